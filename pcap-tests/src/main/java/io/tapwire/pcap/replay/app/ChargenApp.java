package io.tapwire.pcap.replay.app;

import io.tapwire.pcap.replay.ScenarioConfig.AppSpec;
import io.tapwire.socket.TcpSocket;

/**
 * RFC 864 character generator: writes the chargen pattern for as long as the send buffer takes it,
 * until the peer closes. Parameter {@code limit}: stop after that many bytes and close (default:
 * no limit).
 */
final class ChargenApp extends StreamApp {
    private final long limit;

    ChargenApp(AppSpec spec) {
        super(spec, 19);
        this.limit = Long.parseLong(spec.param("limit", Long.toString(Long.MAX_VALUE)));
    }

    @Override
    Conn open(TcpSocket socket, long now) {
        return new Conn(socket) {
            long queued;

            @Override
            boolean step(long now) {
                boolean work = false;
                while (read() > 0) {
                    work = true;
                }
                if (eof) {
                    // The peer is done: stop generating and close (what is queued is dropped).
                    socket.close();
                    done = true;
                    return true;
                }
                if (!closing && out.pending() < 65_536 && !done) {
                    long n = Math.min(65_536, limit - queued);
                    out.add(OutputQueue.CHARGEN, n);
                    queued += n;
                    if (queued == limit) {
                        finish();
                    }
                }
                work |= flush();
                return closeIfFinished() || work;
            }
        };
    }
}
