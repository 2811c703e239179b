package io.tapwire.apps.nio;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

import java.io.IOException;

/**
 * A Grizzly 4 HTTP server (its NIO transport's selector runners and worker threads, from the
 * installed SelectorProvider), nothing of tapwire in it: {@code /bytes/N} answers N bytes (byte k
 * is k mod 256), {@code /echo} answers the request's body, anything else "hello". Argument: the port.
 */
public final class GrizzlyServerMain {
    private GrizzlyServerMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int port = Integer.parseInt(args[0]);
        HttpServer server = HttpServer.createSimpleServer(null, "0.0.0.0", port);
        server.getServerConfiguration().addHttpHandler(new HttpHandler() {
            @Override
            public void service(Request request, Response response) throws Exception {
                String path = request.getRequestURI();
                byte[] body = path.equals("/echo") ? request.getInputStream().readAllBytes()
                        : path.startsWith("/bytes/") ? Bodies.body(Integer.parseInt(path.substring("/bytes/".length())))
                        : "hello\n".getBytes();
                response.setContentLength(body.length);
                response.getOutputStream().write(body);
            }
        }, "/");
        server.start();
        System.out.println("GrizzlyServerMain listening on port " + port);
        Thread.currentThread().join(); // Grizzly's threads are daemons: main keeps the program alive
    }
}
