package io.tapwire.apps.tcpsvc;

import io.tapwire.apps.net.StreamListener;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The Character Generator Protocol over TCP (RFC 864): once connected, the server sends the
 * rotating 72-character line pattern without end, "and any data received is thrown away", until
 * the client closes or resets the connection. A source for measuring the send path.
 *
 * <p>The pattern is the one RFC 864 describes: number the 95 printable ASCII characters 0 to 94
 * (space to tilde); line {@code n} holds characters {@code (n + 0) mod 95} to {@code (n + 71) mod 95}
 * followed by CR LF. It repeats every 95 lines, so one precomputed 7030-byte cycle is written over
 * and over and nothing is allocated per write.
 *
 * <p>A client that only half-closes keeps receiving, as RFC 864 expects the user to terminate. A
 * client that closes makes the next write fail (its TCP answers with RST); the handler ends there.
 * Data the client sends is read and thrown away between writes, without blocking.
 */
public final class ChargenService extends StreamServer {
    /** The well-known chargen port (RFC 864). */
    public static final int PORT = 19;
    /** Printable characters per line. */
    public static final int LINE_CHARS = 72;
    /** The number of printable ASCII characters, 0x20 to 0x7e, and so the period in lines. */
    public static final int PRINTABLE = 95;

    private static final byte[] CYCLE = cycle();

    /** A chargen server on {@code listener} with its own registry. Call {@link #start()}. */
    public ChargenService(StreamListener listener) {
        this(listener, new ConnectionRegistry());
    }

    /** A chargen server on {@code listener}, listing its connections in {@code registry}. */
    public ChargenService(StreamListener listener, ConnectionRegistry registry) {
        this(listener, registry, DEFAULT_MAX_CONNECTIONS);
    }

    /** A chargen server serving at most {@code maxConnections} connections at once. */
    public ChargenService(StreamListener listener, ConnectionRegistry registry, int maxConnections) {
        super("chargen", listener, registry, maxConnections);
    }

    /** The byte at {@code offset} of the chargen stream (0-based). */
    public static byte byteAt(long offset) {
        return CYCLE[(int) (offset % CYCLE.length)];
    }

    /** One period of the stream: 95 lines of 72 characters and CR LF. A fresh copy. */
    public static byte[] pattern() {
        return CYCLE.clone();
    }

    /**
     * The pattern repeated in whole periods to at least {@code minBytes}: one send of it keeps the
     * stream in phase and hands the stack enough bytes to fill a 64 KB super-segment (a send of a
     * single 7 KB period per completion would make the sender emit one small segment per send).
     */
    public static byte[] periods(int minBytes) {
        int n = Math.max(1, (minBytes + CYCLE.length - 1) / CYCLE.length);
        byte[] out = new byte[n * CYCLE.length];
        for (int i = 0; i < n; i++) {
            System.arraycopy(CYCLE, 0, out, i * CYCLE.length, CYCLE.length);
        }
        return out;
    }

    private static byte[] cycle() {
        int lineLength = LINE_CHARS + 2;
        byte[] cycle = new byte[PRINTABLE * lineLength];
        for (int line = 0; line < PRINTABLE; line++) {
            int base = line * lineLength;
            for (int col = 0; col < LINE_CHARS; col++) {
                cycle[base + col] = (byte) (' ' + (line + col) % PRINTABLE);
            }
            cycle[base + LINE_CHARS] = '\r';
            cycle[base + LINE_CHARS + 1] = '\n';
        }
        return cycle;
    }

    @Override
    protected void serve(LiveConnection connection) {
        InputStream in = connection.input();
        OutputStream out = connection.output();
        byte[] sink = new byte[4096];
        try {
            while (true) {
                out.write(CYCLE);
                out.flush();
                // available() never blocks: throw away what the client sent (RFC 864) without a
                // second thread, so a talking client is not stalled by flow control.
                int pending;
                while ((pending = in.available()) > 0) {
                    if (in.read(sink, 0, Math.min(pending, sink.length)) < 0) {
                        break;
                    }
                }
            }
        } catch (IOException e) {
            // The client closed or reset the connection: the normal end of a chargen session.
        }
    }
}
