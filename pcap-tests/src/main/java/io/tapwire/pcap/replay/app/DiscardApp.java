package io.tapwire.pcap.replay.app;

import io.tapwire.pcap.replay.ScenarioConfig.AppSpec;
import io.tapwire.socket.TcpSocket;

/** RFC 863 discard: reads and drops everything (unless reading is paused); closes after the peer's FIN. */
final class DiscardApp extends StreamApp {
    DiscardApp(AppSpec spec) {
        super(spec, 9);
    }

    @Override
    Conn open(TcpSocket socket, long now) {
        return new Conn(socket) {
            @Override
            boolean step(long now) {
                boolean work = false;
                while (read() > 0) {
                    work = true;
                }
                if (eof) {
                    finish();
                }
                return closeIfFinished() || work;
            }
        };
    }
}
