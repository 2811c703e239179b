package io.tapwire.apps.nio;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.util.HexFormat;

/**
 * TLS clients of the JDK, nothing of tapwire in them: {@code HttpsURLConnection} (an SSLSocket,
 * a classic java.net socket underneath) and {@code java.net.http.HttpClient} (SSLEngine over NIO
 * channels) each fetch every URL, trusting only the certificate in the given PEM file, and print
 * "URLCONNECTION|HTTPCLIENT status bytes sha256" per fetch. Arguments: the certificate, then URLs.
 */
public final class TlsClientMain {
    private TlsClientMain() {
    }

    public static void main(String[] args) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            trust.setCertificateEntry("server", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().sslContext(tls).build();
        for (int i = 1; i < args.length; i++) {
            HttpsURLConnection c = (HttpsURLConnection) URI.create(args[i]).toURL().openConnection();
            c.setSSLSocketFactory(tls.getSocketFactory());
            byte[] body;
            try (InputStream in = c.getInputStream()) {
                body = in.readAllBytes();
            }
            print("URLCONNECTION", c.getResponseCode(), body);
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(args[i])).build(), HttpResponse.BodyHandlers.ofByteArray());
            print("HTTPCLIENT", r.statusCode(), r.body());
        }
    }

    private static void print(String what, int status, byte[] body) throws Exception {
        System.out.println(what + " " + status + " " + body.length + " "
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
    }
}
