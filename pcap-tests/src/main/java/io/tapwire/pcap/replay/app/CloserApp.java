package io.tapwire.pcap.replay.app;

import io.tapwire.pcap.replay.ScenarioConfig.AppSpec;
import io.tapwire.socket.TcpSocket;

/**
 * Closes a connection as soon as data arrives on it (after reading it all, so the close sends a
 * FIN and not a RST): the stack's side of a simultaneous close when the peer closes right after
 * sending.
 */
final class CloserApp extends StreamApp {
    CloserApp(AppSpec spec) {
        super(spec, 5);
    }

    @Override
    Conn open(TcpSocket socket, long now) {
        return new Conn(socket) {
            @Override
            boolean step(long now) {
                boolean got = false;
                int n;
                while ((n = read()) > 0) {
                    got = true;
                }
                if (got || eof) {
                    finish();
                }
                return closeIfFinished() || got;
            }
        };
    }
}
