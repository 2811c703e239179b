package io.tapwire.apps.nio;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;

/**
 * A Jetty 12 server (core handler API, its own NIO ServerConnector and selector threads), nothing
 * of tapwire in it: {@code /bytes/N} answers N bytes (byte k is k mod 256), {@code /echo} answers
 * the request's body, anything else "hello". Argument: the port.
 */
public final class JettyServerMain {
    private JettyServerMain() {
    }

    public static void main(String[] args) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setPort(Integer.parseInt(args[0]));
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String path = Request.getPathInContext(request);
                byte[] body;
                if (path.startsWith("/bytes/")) {
                    body = Bodies.body(Integer.parseInt(path.substring("/bytes/".length())));
                } else if (path.equals("/echo")) {
                    body = Content.Source.asByteBuffer(request).array();
                } else {
                    body = "hello\n".getBytes();
                }
                response.setStatus(200);
                response.getHeaders().put("Content-Length", body.length);
                response.write(true, ByteBuffer.wrap(body), callback);
                return true;
            }
        });
        server.start();
        System.out.println("JettyServerMain listening on port " + connector.getLocalPort());
        server.join();
    }
}
