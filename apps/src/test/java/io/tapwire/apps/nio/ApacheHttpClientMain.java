package io.tapwire.apps.nio;

import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * An Apache HttpClient 5 program, nothing of tapwire in it: fetches each URL given with the
 * classic client (blocking java.net sockets), printing {@code CLASSIC status length sha256}, then
 * with the async client (its own I/O reactor on java.nio selectors and channels), printing
 * {@code ASYNC status length sha256}.
 */
public final class ApacheHttpClientMain {
    private ApacheHttpClientMain() {
    }

    public static void main(String[] args) throws Exception {
        try (CloseableHttpClient classic = HttpClients.createDefault()) {
            for (String url : args) {
                String line = classic.execute(new HttpGet(url), response -> {
                    byte[] body = EntityUtils.toByteArray(response.getEntity());
                    return "CLASSIC " + response.getCode() + " " + body.length + " " + sha256(body);
                });
                System.out.println(line);
            }
        }
        try (CloseableHttpAsyncClient async = HttpAsyncClients.createDefault()) {
            async.start();
            for (String url : args) {
                SimpleHttpResponse r = async.execute(SimpleRequestBuilder.get(url).build(), null).get(30, TimeUnit.SECONDS);
                byte[] body = r.getBodyBytes();
                System.out.println("ASYNC " + r.getCode() + " " + body.length + " " + sha256(body));
            }
        }
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
