package io.tapwire.apps.nio;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

import java.io.IOException;
import java.nio.file.Files;

/**
 * An embedded Tomcat 11 (its default NIO connector, Http11NioProtocol, with its poller and acceptor
 * threads) serving one servlet, nothing of tapwire in it: {@code /bytes/N} answers N bytes (byte k
 * is k mod 256), {@code /echo} answers the request's body, anything else "hello". Arguments: the
 * port, optionally the connector's protocol class.
 */
public final class TomcatServerMain {
    private TomcatServerMain() {
    }

    public static void main(String[] args) throws Exception {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createTempDirectory("tomcat-").toString());
        // The protocol handler: the default NIO connector, or another one named (e.g. Tomcat's NIO.2
        // connector, org.apache.coyote.http11.Http11Nio2Protocol, on asynchronous channels).
        Connector connector = new Connector(args.length > 1 ? args[1] : "HTTP/1.1");
        connector.setPort(Integer.parseInt(args[0]));
        tomcat.setConnector(connector);
        Context ctx = tomcat.addContext("", null);
        Tomcat.addServlet(ctx, "bytes", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                String path = req.getRequestURI();
                byte[] body;
                if (path.startsWith("/bytes/")) {
                    body = Bodies.body(Integer.parseInt(path.substring("/bytes/".length())));
                } else if (path.equals("/echo")) {
                    body = req.getInputStream().readAllBytes();
                } else {
                    body = "hello\n".getBytes();
                }
                resp.setStatus(200);
                resp.setContentLength(body.length);
                resp.getOutputStream().write(body);
            }
        });
        ctx.addServletMappingDecoded("/*", "bytes");
        tomcat.start();
        System.out.println("TomcatServerMain listening on port " + connector.getLocalPort() + " (" + connector.getProtocolHandlerClassName() + ")");
        tomcat.getServer().await();
    }
}
