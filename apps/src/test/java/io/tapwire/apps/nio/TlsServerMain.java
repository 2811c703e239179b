package io.tapwire.apps.nio;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/**
 * The JDK's {@code com.sun.net.httpserver.HttpsServer} (TLS by the JDK's SSLEngine over NIO
 * channels), nothing of tapwire in it: {@code /bytes/N} answers N bytes (byte k is k mod 256), a
 * POST to {@code /echo} answers its body, anything else "hello tls". Arguments: the port, a
 * PKCS12 key store, its password.
 */
public final class TlsServerMain {
    private TlsServerMain() {
    }

    public static void main(String[] args) throws IOException, GeneralSecurityException {
        char[] password = args[2].toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(args[1]))) {
            ks.load(in, password);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(Integer.parseInt(args[0])), 128);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] request = exchange.getRequestBody().readAllBytes();
            byte[] body;
            if (path.startsWith("/bytes/")) {
                body = Bodies.body(Integer.parseInt(path.substring("/bytes/".length())));
            } else if (path.equals("/echo")) {
                body = request;
            } else {
                body = "hello tls\n".getBytes();
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("TlsServerMain listening on " + server.getAddress());
    }
}
