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
 * (classic sockets), {@code URLCONNECTION status length sha256}, and with an NIO.2
 * {@code AsynchronousSocketChannel} sending HTTP/1.0 requests by hand, {@code NIO2 status length sha256}.
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
        // And once more on NIO.2: an AsynchronousSocketChannel speaking HTTP/1.0 by hand.
        for (String url : args) {
            URI u = URI.create(url);
            try (java.nio.channels.AsynchronousSocketChannel ch = java.nio.channels.AsynchronousSocketChannel.open()) {
                ch.connect(new java.net.InetSocketAddress(u.getHost().replace("[", "").replace("]", ""), u.getPort()))
                        .get(10, java.util.concurrent.TimeUnit.SECONDS);
                java.nio.ByteBuffer req = java.nio.ByteBuffer.wrap(("GET " + u.getPath() + " HTTP/1.0\r\nHost: " + u.getHost()
                        + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                while (req.hasRemaining()) {
                    ch.write(req).get(10, java.util.concurrent.TimeUnit.SECONDS);
                }
                java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(65536);
                while (ch.read(buf).get(20, java.util.concurrent.TimeUnit.SECONDS) >= 0) {
                    all.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                byte[] resp = all.toByteArray();
                String head = new String(resp, 0, Math.min(resp.length, 12), java.nio.charset.StandardCharsets.US_ASCII);
                int split = new String(resp, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("\r\n\r\n") + 4;
                byte[] body = java.util.Arrays.copyOfRange(resp, split, resp.length);
                System.out.println("NIO2 " + head.substring(9, 12) + " " + body.length + " "
                        + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
            }
        }
    }
}
