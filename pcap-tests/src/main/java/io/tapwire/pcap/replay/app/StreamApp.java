package io.tapwire.pcap.replay.app;

import io.tapwire.Stack;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.pcap.replay.ScenarioConfig.AppSpec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A TCP server stepped on the stack thread: accepts with a zero timeout, then steps each
 * connection in accept order. Parameters common to every stream app: {@code port},
 * {@code backlog} (default 128), {@code nodelay}, {@code rcvbuf}, {@code sndbuf}, {@code accept}
 * (false: never accept, so the accept queue fills), {@code paused} (connections start with
 * reading paused). Actions: {@code pause-reading}, {@code resume-reading}, {@code close-listener},
 * {@code close-connections}, {@code abort-connections}.
 */
abstract class StreamApp implements ScenarioApp {
    protected final int port;
    private final int backlog;
    private final SocketOptions options;
    private boolean accepting;
    private boolean paused;
    private TcpListener listener;
    protected final List<Conn> connections = new ArrayList<>();

    StreamApp(AppSpec spec, int defaultPort) {
        this.port = spec.intParam("port", defaultPort);
        this.backlog = spec.intParam("backlog", 128);
        this.accepting = spec.boolParam("accept", true);
        this.paused = spec.boolParam("paused", false);
        this.options = SocketOptions.defaults()
                .noDelay(spec.boolParam("nodelay", false))
                .receiveBufferSize(spec.intParam("rcvbuf", 0))
                .sendBufferSize(spec.intParam("sndbuf", 0))
                .reuseAddress(true);
    }

    @Override
    public void start(Stack stack) throws IOException {
        listener = stack.listenTcp(port, backlog, options);
    }

    /** A new connection's handler. */
    abstract Conn open(TcpSocket socket, long now);

    @Override
    public boolean step(long now) {
        boolean work = false;
        if (accepting && listener != null) {
            try {
                TcpSocket s;
                while ((s = listener.accept(0, TimeUnit.NANOSECONDS)) != null) {
                    Conn c = open(s, now);
                    c.readPaused = paused;
                    connections.add(c);
                    work = true;
                }
            } catch (IOException closed) {
                accepting = false;
            }
        }
        for (int i = 0; i < connections.size(); i++) {
            Conn c = connections.get(i);
            work |= c.step(now);
            if (c.done) {
                connections.remove(i--);
            }
        }
        return work;
    }

    @Override
    public long nextDeadline() {
        long d = Long.MAX_VALUE;
        for (Conn c : connections) {
            d = Math.min(d, c.nextDeadline());
        }
        return d;
    }

    @Override
    public void action(String verb, long now) {
        switch (verb) {
            case "pause-reading" -> {
                paused = true;
                connections.forEach(c -> c.readPaused = true);
            }
            case "resume-reading" -> {
                paused = false;
                connections.forEach(c -> c.readPaused = false);
            }
            case "close-listener" -> {
                accepting = false;
                listener.close();
            }
            case "close-connections" -> connections.forEach(Conn::finish);
            case "abort-connections" -> connections.forEach(c -> {
                c.socket.abort();
                c.done = true;
            });
            default -> ScenarioApp.super.action(verb, now);
        }
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close();
        }
        for (Conn c : connections) {
            c.socket.abort();
        }
        connections.clear();
    }

    /** One accepted connection's state machine. */
    abstract static class Conn {
        final TcpSocket socket;
        final OutputQueue out = new OutputQueue();
        final byte[] buf = new byte[16_384];
        boolean readPaused;
        boolean eof;
        boolean closing;
        boolean done;

        Conn(TcpSocket socket) {
            this.socket = socket;
        }

        /** Reads into {@link #buf}: bytes read, 0 if none (or paused), -1 at end of stream or on error. */
        int read() {
            if (readPaused || eof || done) {
                return 0;
            }
            try {
                int n = socket.tryRead(buf, 0, buf.length);
                if (n < 0) {
                    eof = true;
                }
                return n;
            } catch (IOException e) {
                fail();
                return -1;
            }
        }

        /** Writes what is queued; true if anything was written. */
        boolean flush() {
            if (done || out.isEmpty()) {
                return false;
            }
            try {
                return out.writeTo(socket) > 0;
            } catch (IOException e) {
                fail();
                return true;
            }
        }

        /** Close once everything queued is written. */
        void finish() {
            closing = true;
        }

        /** Closes when finishing and the queue is empty; true if it closed now. */
        boolean closeIfFinished() {
            if (!done && closing && out.isEmpty()) {
                socket.close();
                done = true;
                return true;
            }
            return false;
        }

        /** The peer reset the connection or it failed: nothing more to do. */
        void fail() {
            done = true;
            socket.close();
        }

        abstract boolean step(long now);

        long nextDeadline() {
            return Long.MAX_VALUE;
        }
    }
}
