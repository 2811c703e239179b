package io.tapwire.apps.nio;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

/**
 * A plain {@code java.net.http.HttpClient} program, nothing of tapwire in it: fetches each URL
 * given (HTTP/1.1, one client, so the connection is reused) and prints
 * {@code RESULT status length sha256} per URL; then the same with {@code HttpURLConnection}
 * (classic sockets), {@code URLCONNECTION status length sha256}.
 */
public final class HttpClientMain {
    private HttpClientMain() {
    }

    public static void main(String[] args) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        for (String url : args) {
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            byte[] body = r.body();
            System.out.println("RESULT " + r.statusCode() + " " + body.length + " "
                    + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
        }
        // The same through HttpURLConnection, which uses classic java.net.Socket.
        for (String url : args) {
            java.net.HttpURLConnection c = (java.net.HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(10_000);
            c.setReadTimeout(20_000);
            byte[] body;
            try (java.io.InputStream in = c.getInputStream()) {
                body = in.readAllBytes();
            }
            System.out.println("URLCONNECTION " + c.getResponseCode() + " " + body.length + " "
                    + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
        }
    }
}
