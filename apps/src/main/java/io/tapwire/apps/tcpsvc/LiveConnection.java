package io.tapwire.apps.tcpsvc;

import io.tapwire.apps.net.StreamConnection;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;

/**
 * A connection being served, as a handler and the {@link ConnectionRegistry} see it: the {@link
 * StreamConnection} with byte counters on both directions, the name of the service and the time it
 * was accepted.
 *
 * <p>The handler thread is the only one that reads and writes the streams and so the only writer of
 * the counters; other threads read them (volatile) and may {@link #close()} the connection.
 */
public final class LiveConnection {
    private final long id;
    private final String service;
    private final StreamConnection connection;
    private final Instant startedAt = Instant.now();
    private final long startedNanos = System.nanoTime();
    private final InputStream input;
    private final OutputStream output;
    // Single writer (the handler thread), so += on a volatile loses nothing.
    private volatile long bytesIn;
    private volatile long bytesOut;

    LiveConnection(long id, String service, StreamConnection connection) {
        this.id = id;
        this.service = service;
        this.connection = connection;
        this.input = new CountingInput(connection.input());
        this.output = new CountingOutput(connection.output());
    }

    /** A number unique within the registry, increasing in accept order. */
    public long id() {
        return id;
    }

    /** The name of the service serving the connection, such as {@code echo} or {@code http}. */
    public String service() {
        return service;
    }

    /** The peer's address and port. */
    public String remote() {
        return connection.remoteDescription();
    }

    /** The local address and port. */
    public String local() {
        return connection.localDescription();
    }

    /** The TCP state as the transport reports it (RFC 9293 section 3.3.2 names). */
    public String state() {
        return connection.state();
    }

    /** Bytes read from the peer so far. */
    public long bytesIn() {
        return bytesIn;
    }

    /** Bytes written to the peer so far (accepted by the transport, not necessarily acknowledged). */
    public long bytesOut() {
        return bytesOut;
    }

    /** When the connection was accepted (wall clock). */
    public Instant startedAt() {
        return startedAt;
    }

    /** How long the connection has been open (monotonic clock). */
    public Duration age() {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /** What the HTTP index page shows of this connection, now. */
    public ConnectionInfo info() {
        return new ConnectionInfo(id, service, remote(), local(), state(), bytesIn, bytesOut, age());
    }

    /** The receive side, counting into {@link #bytesIn()}. */
    public InputStream input() {
        return input;
    }

    /** The send side, counting into {@link #bytesOut()}. Not buffered. */
    public OutputStream output() {
        return output;
    }

    /** Sends FIN after the queued data; reading continues to work. */
    public void shutdownOutput() throws IOException {
        connection.shutdownOutput();
    }

    /** Closes the connection, waking the handler if it is blocked on it. Safe from any thread. */
    public void close() {
        connection.close();
    }

    @Override
    public String toString() {
        return service + "#" + id + "[" + remote() + " -> " + local() + "]";
    }

    private final class CountingInput extends InputStream {
        private final InputStream in;

        CountingInput(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                bytesIn++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                bytesIn += n;
            }
            return n;
        }

        @Override
        public int available() throws IOException {
            return in.available();
        }

        @Override
        public void close() {
            connection.close();
        }
    }

    private final class CountingOutput extends OutputStream {
        private final OutputStream out;

        CountingOutput(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            bytesOut++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            bytesOut += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() {
            connection.close();
        }
    }
}
