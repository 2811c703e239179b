package io.tapwire.pcap.replay.app;

import io.tapwire.pcap.replay.ScenarioConfig.AppSpec;
import io.tapwire.socket.TcpSocket;

import java.util.Arrays;

/** RFC 862 echo over TCP: what arrives goes back; the peer's FIN is answered with ours once all is echoed. */
final class EchoApp extends StreamApp {
    EchoApp(AppSpec spec) {
        super(spec, 7);
    }

    @Override
    Conn open(TcpSocket socket, long now) {
        return new Conn(socket) {
            @Override
            boolean step(long now) {
                boolean work = flush();
                int n;
                // Read only while the echo queue is empty: a slow reader slows the writer (backpressure).
                while (!done && out.isEmpty() && (n = read()) > 0) {
                    out.add(Arrays.copyOf(buf, n));
                    flush();
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
