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
 * {@code status length sha256} per URL.
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
    }
}
