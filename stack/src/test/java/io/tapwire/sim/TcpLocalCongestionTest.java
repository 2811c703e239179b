package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Local congestion: a device whose transmit queue takes nothing (Linux's qdisc of limit 0) drops
 * every segment before it leaves, and TCP knows (NET_XMIT_DROP). As Linux's tcp_send_probe0, the
 * unsent data is probed every TCP_RESOURCE_PROBE_INTERVAL (500 ms) without backing off, each try
 * counted in tcpi_probes, and TCP_USER_TIMEOUT ends it, counted from the first probe
 * (icsk_probes_tstamp); when the device takes frames again the data goes out.
 */
class TcpLocalCongestionTest {
    private static final long MS = 1_000_000L;
    private static final int PEER_ISS = 90_000;
    private static final int PORT = 40500;

    private record Conn(StackHarness h, TcpSocket s, TcpPeer p, int iss) {
    }

    /** An accepted connection whose RTT is 100 ms (so its RTO is Linux's 300 ms: srtt + tcp_rto_min). */
    private static Conn accept() throws Exception {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 5;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, PORT);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        int iss = p.one().seq();
        h.advance(100 * MS);
        p.send(80, PEER_ISS + 1, iss + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s);
        s.tryWrite(new byte[24], 0, 24);
        assertEquals(1, p.received().size());
        h.advance(100 * MS);
        p.send(80, PEER_ISS + 1, iss + 25, ACK, 65535, -1, new byte[0]);
        return new Conn(h, s, p, iss);
    }

    @Test
    void probesEveryHalfSecondWithoutBackoffUntilTheUserTimeout() throws Exception {
        Conn c = accept();
        c.s.updateSettings(x -> x.userTimeoutNanos(3000 * MS));
        c.h.dev.txRing().refuseClaims(true);
        long start = c.h.now;
        assertEquals(24, c.s.tryWrite(new byte[24], 0, 24), "the write is queued");
        c.h.advance(3250 * MS);
        assertEquals(TcpState.ESTABLISHED, c.s.state(), "alive 3.25 s later");
        assertEquals(6, c.s.tcpInfo().probes(), "probes at 0.3, 0.8, ... 2.8 s: six");
        assertEquals(0, c.s.tcpInfo().backoff(), "no backoff under local congestion");
        c.h.advance(100 * MS);
        assertEquals(TcpState.CLOSED, c.s.state(), "aborted 3 s after the first probe, at "
                + (c.h.now - start) / MS + " ms");
        IOException e = assertThrows(IOException.class, () -> c.s.tryWrite(new byte[1], 0, 1));
        assertTrue(e instanceof SocketTimeoutException, "ETIMEDOUT, got " + e);
        assertTrue(c.h.transmitted().isEmpty(), "nothing left the device");
    }

    @Test
    void theDataLeavesOnceTheDeviceTakesFramesAgain() throws Exception {
        Conn c = accept();
        c.h.dev.txRing().refuseClaims(true);
        c.s.tryWrite(new byte[24], 0, 24);
        c.h.advance(1000 * MS);
        assertTrue(c.s.tcpInfo().probes() >= 1, "probed meanwhile");
        assertTrue(c.h.transmitted().isEmpty());
        c.h.dev.txRing().refuseClaims(false);
        c.h.advance(500 * MS);   // the next probe, at most one interval away
        var sent = c.p.received();
        assertTrue(!sent.isEmpty(), "the held data went out with the next probe");
        assertEquals(24, sent.get(0).payload().length);
        assertEquals(c.iss + 25, sent.get(0).seq());
    }
}
