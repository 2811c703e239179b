package io.tapwire.apps.nio;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;

/**
 * A Helidon 4 SE server (its Níma web server: a virtual thread per connection over blocking
 * java.net sockets), nothing of tapwire in it: {@code /bytes/N} answers N bytes (byte k is
 * k mod 256), {@code /echo} answers the request's body, anything else "hello". Argument: the port.
 *
 * <p>Helidon 4 needs Java 21, so this source is not among the test sources, which compile for
 * Java 17: {@code RunJavaServersIntegrationTest} compiles it with the running JDK (21 or later)
 * and skips it on older ones.
 */
public final class HelidonServerMain {
    private HelidonServerMain() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        WebServer server = WebServer.builder()
                .host("0.0.0.0")
                .port(port)
                .routing(HttpRouting.builder()
                        .post("/echo", (req, res) -> res.send(req.content().as(byte[].class)))
                        .get("/bytes/{n}", (req, res) -> res.send(body(Integer.parseInt(req.path().pathParameters().get("n")))))
                        .any((req, res) -> res.send("hello\n")))
                .build()
                .start();
        System.out.println("HelidonServerMain listening on port " + server.port());
    }

    /** The test servers' /bytes/N body (Bodies.body, which a class loaded apart cannot reach: package-private). */
    private static byte[] body(int n) {
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) {
            b[k] = (byte) k;
        }
        return b;
    }
}
