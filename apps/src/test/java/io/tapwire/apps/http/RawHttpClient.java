package io.tapwire.apps.http;

import io.tapwire.socket.TcpSocket;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A deliberately simple HTTP/1.x client for the tests, over a loopback java.net socket or a
 * tapwire {@link TcpSocket}: sends exactly the bytes it is given and parses responses by hand,
 * chunked coding included, so the tests see the wire.
 */
final class RawHttpClient implements AutoCloseable {
    private final InputStream in;
    private final OutputStream out;
    private final AutoCloseable connection;
    private final int localPort;

    /** A parsed response; header names lower-cased, in arrival order. */
    record Response(String statusLine, int status, Map<String, List<String>> headers, byte[] body,
                    List<Integer> chunkSizes) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : String.join(", ", values);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Connects to {@code port} on loopback; a read waits at most 10 s. */
    RawHttpClient(int port) throws IOException {
        this(port, Duration.ofSeconds(10));
    }

    /** Connects to {@code port} on loopback; a read waits at most {@code readTimeout}. */
    RawHttpClient(int port, Duration readTimeout) throws IOException {
        this(loopback(port, readTimeout));
    }

    private static Socket loopback(int port, Duration readTimeout) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(Math.toIntExact(readTimeout.toMillis()));
        return socket;
    }

    private RawHttpClient(Socket socket) throws IOException {
        this(socket.getInputStream(), socket.getOutputStream(), socket, socket.getLocalPort());
    }

    private RawHttpClient(InputStream in, OutputStream out, AutoCloseable connection, int localPort) {
        this.in = in;
        this.out = out;
        this.connection = connection;
        this.localPort = localPort;
    }

    /**
     * A client on a connected tapwire socket; a read waits at most {@code readTimeout} (then a
     * {@link SocketTimeoutException}, as with java.net), a reset is an {@link IOException}.
     */
    static RawHttpClient over(TcpSocket socket, Duration readTimeout) {
        socket.setSoTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS);
        return new RawHttpClient(new java.io.BufferedInputStream(socket.inputStream(), 64 * 1024), socket.outputStream(),
                socket, socket.tcb().localPort());
    }

    RawHttpClient send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /** A GET or HEAD of {@code path} with {@code extra} header lines (each ending CRLF). */
    RawHttpClient request(String method, String path, String version, String extra) throws IOException {
        return send(method + " " + path + " " + version + "\r\nHost: localhost\r\n" + extra + "\r\n");
    }

    Response get(String path) throws IOException {
        return request("GET", path, "HTTP/1.1", "").read(false);
    }

    /** Reads one response; {@code head} says the request was HEAD, so there is no body. */
    Response read(boolean head) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new EOFException("connection closed before a response");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        String l;
        while (!(l = line()).isEmpty()) {
            int colon = l.indexOf(':');
            headers.computeIfAbsent(l.substring(0, colon).toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(l.substring(colon + 1).strip());
        }
        List<Integer> chunkSizes = new ArrayList<>();
        byte[] body;
        String length = headers.containsKey("content-length") ? headers.get("content-length").get(0) : null;
        boolean chunked = headers.containsKey("transfer-encoding");
        if (head || status / 100 == 1 || status == 204 || status == 304) {
            body = new byte[0];
        } else if (chunked) {
            body = readChunked(chunkSizes);
        } else if (length != null) {
            body = in.readNBytes(Integer.parseInt(length));
        } else {
            body = in.readAllBytes();   // close-delimited (RFC 9112 section 6.3 rule 8)
        }
        return new Response(statusLine, status, headers, body, chunkSizes);
    }

    /** The raw input after what was parsed, for bodies this client does not parse (an event stream). */
    InputStream input() {
        return in;
    }

    /** RFC 9112 section 7.1: chunk-size [ext] CRLF data CRLF ... 0 CRLF trailers CRLF. */
    private byte[] readChunked(List<Integer> sizes) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line();
            int semi = sizeLine.indexOf(';');
            int size = Integer.parseInt(semi < 0 ? sizeLine : sizeLine.substring(0, semi), 16);
            if (size == 0) {
                while (!line().isEmpty()) {
                    // trailer fields
                }
                return body.toByteArray();
            }
            sizes.add(size);
            body.write(in.readNBytes(size));
            if (!line().isEmpty()) {
                throw new IOException("chunk data not followed by CRLF");
            }
        }
    }

    /** A CRLF-terminated line, or null at EOF before any byte. */
    String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                int n = sb.length();
                if (n == 0 || sb.charAt(n - 1) != '\r') {
                    throw new IOException("line not terminated by CRLF: " + sb);
                }
                return sb.substring(0, n - 1);
            }
            sb.append((char) b);
        }
        if (sb.length() == 0) {
            return null;
        }
        throw new EOFException("EOF inside a line: " + sb);
    }

    /** Exactly {@code n} raw bytes. */
    byte[] bytes(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("EOF after " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    /**
     * Whether the server has closed its side in order: the next read sees EOF (its FIN) within
     * the read timeout. A timeout means it has not closed, and so does a byte where none should
     * be: both answer false. A reset is not the close the tests expect and is thrown (a
     * {@link java.net.SocketException}): the server half-closes and drains what the client still
     * sends before it closes (RFC 9112 section 9.6), precisely so that its close is a FIN and never
     * a reset, so no test here accepts one.
     */
    boolean serverClosed() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /** The client's port. */
    int localPort() {
        return localPort;
    }

    /** Sends FIN after what was sent; reading goes on. */
    void shutdownOutput() throws IOException {
        if (connection instanceof Socket s) {
            s.shutdownOutput();
        } else {
            ((TcpSocket) connection).shutdownOutput();
        }
    }

    /** Everything the server sends until it closes (EOF); a read timeout throws. */
    byte[] readAll() throws IOException {
        return in.readAllBytes();
    }

    /** One read of raw bytes: how many, or -1 at EOF (for bodies a test streams through a digest). */
    int readSome(byte[] b, int off, int len) throws IOException {
        return in.read(b, off, len);
    }

    @Override
    public void close() throws IOException {
        try {
            connection.close();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }
}
