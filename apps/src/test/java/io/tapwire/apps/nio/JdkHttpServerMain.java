package io.tapwire.apps.nio;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;

/**
 * A plain program on the JDK's own {@code com.sun.net.httpserver.HttpServer}, with nothing of
 * tapwire in it: {@code /bytes/N} answers N bytes (byte k is k mod 256), anything else "hello".
 * Argument: the port. The integration tests start it with {@code tapwire run}.
 */
public final class JdkHttpServerMain {
    private JdkHttpServerMain() {
    }

    public static void main(String[] args) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(Integer.parseInt(args[0])), 128);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] body;
            if (path.startsWith("/bytes/")) {
                body = new byte[Integer.parseInt(path.substring("/bytes/".length()))];
                for (int k = 0; k < body.length; k++) {
                    body[k] = (byte) k;
                }
            } else {
                body = "hello\n".getBytes();
            }
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("JdkHttpServerMain listening on " + server.getAddress());
    }
}
