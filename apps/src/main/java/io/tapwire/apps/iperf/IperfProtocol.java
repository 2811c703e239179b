package io.tapwire.apps.iperf;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Map;

/**
 * iperf3's control protocol as its source defines it (iperf_api.h, iperf_api.c): the cookie that
 * opens the control connection and every data stream, the one-byte test states, and JSON sent as
 * a 4-byte big-endian length then the text.
 */
final class IperfProtocol {
    /** 36 random characters and a NUL (COOKIE_SIZE). */
    static final int COOKIE_SIZE = 37;
    static final int DEFAULT_PORT = 5201;

    // Test states (signed chars on the control connection).
    static final int TEST_START = 1;
    static final int TEST_RUNNING = 2;
    static final int TEST_END = 4;
    static final int PARAM_EXCHANGE = 9;
    static final int CREATE_STREAMS = 10;
    static final int SERVER_TERMINATE = 11;
    static final int CLIENT_TERMINATE = 12;
    static final int EXCHANGE_RESULTS = 13;
    static final int DISPLAY_RESULTS = 14;
    static final int IPERF_START = 15;
    static final int IPERF_DONE = 16;
    static final int ACCESS_DENIED = -1;
    static final int SERVER_ERROR = -2;

    /** The 4-byte datagram a UDP stream opens with, and the server's answer (any content works; these are iperf3's legacy values). */
    static final int UDP_CONNECT_MSG = 123456789;
    static final int UDP_CONNECT_REPLY = 987654321;

    /** Largest JSON we accept (the results of 128 streams fit easily). */
    private static final int MAX_JSON = 1 << 20;
    private static final String COOKIE_CHARS = "abcdefghijklmnopqrstuvwxyz234567";

    private IperfProtocol() {
    }

    /** A fresh cookie as iperf3's make_cookie builds one: 36 characters from base32's alphabet, then NUL. */
    static byte[] newCookie() {
        SecureRandom r = new SecureRandom();
        byte[] c = new byte[COOKIE_SIZE];
        for (int i = 0; i < COOKIE_SIZE - 1; i++) {
            c[i] = (byte) COOKIE_CHARS.charAt(r.nextInt(COOKIE_CHARS.length()));
        }
        return c;
    }

    static void readFully(InputStream in, byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = in.read(b, off, len);
            if (n < 0) {
                throw new EOFException("the peer closed the connection");
            }
            off += n;
            len -= n;
        }
    }

    static byte[] readCookie(InputStream in) throws IOException {
        byte[] c = new byte[COOKIE_SIZE];
        readFully(in, c, 0, COOKIE_SIZE);
        return c;
    }

    static int readState(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the control connection closed");
        }
        return (byte) b;
    }

    static void writeState(OutputStream out, int state) throws IOException {
        out.write(state & 0xff);
        out.flush();
    }

    static Map<String, Object> readJson(InputStream in) throws IOException {
        byte[] len = new byte[4];
        readFully(in, len, 0, 4);
        int n = ((len[0] & 0xff) << 24) | ((len[1] & 0xff) << 16) | ((len[2] & 0xff) << 8) | (len[3] & 0xff);
        if (n < 0 || n > MAX_JSON) {
            throw new IOException("JSON of " + n + " bytes announced: not iperf3");
        }
        byte[] text = new byte[n];
        readFully(in, text, 0, n);
        try {
            return Json.parseObject(new String(text, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IOException("bad JSON from the peer: " + e.getMessage(), e);
        }
    }

    static void writeJson(OutputStream out, Map<String, Object> json) throws IOException {
        byte[] text = Json.write(json).getBytes(StandardCharsets.UTF_8);
        byte[] msg = new byte[4 + text.length];
        msg[0] = (byte) (text.length >>> 24);
        msg[1] = (byte) (text.length >>> 16);
        msg[2] = (byte) (text.length >>> 8);
        msg[3] = (byte) text.length;
        System.arraycopy(text, 0, msg, 4, text.length);
        out.write(msg);
        out.flush();
    }

    /** iperf_add_stream's numbering: the first stream is 1, the n-th (n >= 2) is n + 1. */
    static int streamId(int index) {
        return index == 0 ? 1 : index + 2;
    }

    /** A 32-bit value in x86 byte order, as iperf3 writes its UDP connect datagrams (host order). */
    static byte[] hostOrder(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }
}
