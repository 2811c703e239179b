package io.tapwire.pcap.replay.app;

import io.tapwire.pcap.replay.ScenarioConfig.AppSpec;
import io.tapwire.socket.TcpSocket;

/**
 * Small writes spread over time, to show Nagle's algorithm (or its absence with {@code nodelay}):
 * from the moment a connection is accepted, {@code chunks} writes of {@code size} bytes, one every
 * {@code intervalMillis}; then it closes. Incoming data is read and dropped.
 */
final class TrickleApp extends StreamApp {
    private final int chunks;
    private final int size;
    private final long interval;

    TrickleApp(AppSpec spec) {
        super(spec, 2000);
        this.chunks = spec.intParam("chunks", 10);
        this.size = spec.intParam("size", 10);
        this.interval = spec.intParam("intervalMillis", 5) * 1_000_000L;
    }

    @Override
    Conn open(TcpSocket socket, long now) {
        return new Conn(socket) {
            int written;
            long next = now;

            @Override
            boolean step(long now) {
                boolean work = false;
                while (read() > 0) {
                    work = true;
                }
                while (written < chunks && now >= next && !done) {
                    out.add(OutputQueue.ALPHABET, size);
                    written++;
                    next += interval;
                    work = true;
                    if (written == chunks) {
                        finish();
                    }
                }
                work |= flush();
                if (eof) {
                    finish();
                }
                return closeIfFinished() || work;
            }

            @Override
            long nextDeadline() {
                return written < chunks ? next : Long.MAX_VALUE;
            }
        };
    }
}
