package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpChrono;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.TcpOptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Linux's send chronograph (tcp_chrono_start / tcp_chrono_stop) behind tcpi_busy_time,
 * tcpi_rwnd_limited and tcpi_sndbuf_limited, on virtual time: the scenarios of Linux's
 * packetdrill tests tcp_info/tcp-info-rwnd-limited and tcp-info-sndbuf-limited.
 */
class SendChronoTest {
    private static final long MS = 1_000_000L;
    private static final int PEER_ISS = 5_000_000;

    @Test
    void theReceiveWindowLimitedTimeRunsWhileTheWindowHoldsDataBack() throws Exception {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 9;
        c.tcpBsdSendBuffer = false;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        TcpSocket s = h.stack.connectTcp(StackHarness.PEER, 80);
        TcpPeer p = new TcpPeer(h, 80);
        TcpPeer.Seg syn = p.one();
        h.advance(10 * MS);
        // The server offers a zero window.
        p.sendWithOptions(syn.srcPort(), PEER_ISS, syn.seq() + 1, SYN | ACK, 0, new TcpOptions().setMss(1000), new byte[0]);
        p.received();
        assertEquals(TcpState.ESTABLISHED, s.state());
        assertEquals(new TcpChrono.Stats(0, 0, 0), s.chronoStats(), "nothing sent yet");
        int iss = syn.seq();
        assertEquals(1000, s.tryWrite(new byte[1000], 0, 1000));
        h.advance(100 * MS);
        assertEquals(100_000, s.chronoStats().rwndLimitedMicros(), "the zero window held the write back 100 ms");
        h.advance(100 * MS);
        p.send(syn.srcPort(), PEER_ISS + 1, iss + 1, ACK, 2000, -1, new byte[0]);
        List<TcpPeer.Seg> w = p.received();
        assertEquals(1000, w.get(0).payload().length, "the window opened: the data goes");
        assertEquals(200_000, s.chronoStats().rwndLimitedMicros());
        h.advance(30 * MS);
        // A window of 10 bytes: too small for the next segment.
        p.send(syn.srcPort(), PEER_ISS + 1, iss + 1001, ACK, 10, -1, new byte[0]);
        TcpChrono.Stats idle = s.chronoStats();
        assertEquals(230_000, idle.busyMicros(), "busy 30 ms after the window opened, then idle (all acknowledged)");
        h.advance(50 * MS);
        assertEquals(idle, s.chronoStats(), "no data: the clock stands still");
        assertEquals(1000, s.tryWrite(new byte[1000], 0, 1000));
        h.advance(100 * MS);
        p.send(syn.srcPort(), PEER_ISS + 1, iss + 1001, ACK, 2000, -1, new byte[0]);
        TcpChrono.Stats after = s.chronoStats();
        assertEquals(300_000, after.rwndLimitedMicros());
        assertEquals(330_000, after.busyMicros(), "busy time counts every state");
        assertEquals(0, after.sndbufLimitedMicros());
        h.advance(20 * MS);
        p.send(syn.srcPort(), PEER_ISS + 1, iss + 2001, ACK, 2000, -1, new byte[0]);
        assertEquals(350_000, s.chronoStats().busyMicros());
    }

    @Test
    void theSendBufferLimitedTimeRunsWhileTheNetworkStarvesForAWriter() throws Exception {
        // tcp-info-sndbuf-limited's scenario: SO_SNDBUF 20000 and a 2.5 MB window. A writer of
        // 150000 bytes (blocking: it writes again each time the socket turns writable) keeps the
        // buffer full while cwnd doubles per round trip; once cwnd outgrows the buffer the network
        // starves with nothing left to send: send-buffer limited, until the ACK of everything.
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 9;
        c.tcpBsdSendBuffer = false;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        TcpSocket s = h.stack.connectTcp(StackHarness.PEER, 80);
        TcpPeer p = new TcpPeer(h, 80);
        TcpPeer.Seg syn = p.one();
        h.advance(10 * MS);
        p.sendWithOptions(syn.srcPort(), PEER_ISS, syn.seq() + 1, SYN | ACK, 10000,
                new TcpOptions().setMss(1000).setSackPermitted(true).setWindowScale(8), new byte[0]);
        p.received();
        assertTrue(s.setSendBufferSize(20_000));
        int iss = syn.seq();
        int[] left = {150_000};
        Runnable writer = () -> {
            try {
                if (left[0] > 0 && (s.readiness() & io.tapwire.event.Events.OUT) != 0) {
                    left[0] -= s.tryWrite(new byte[left[0]], 0, left[0]);
                }
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        };
        h.advance(90 * MS);
        writer.run();
        for (int[] step : new int[][] {{10, 10_000}, {10, 30_000}, {10, 70_000}, {20, 95_000}}) {
            h.advance(step[0] * MS);
            p.send(syn.srcPort(), PEER_ISS + 1, iss + 1 + step[1], ACK, 10000, -1, new byte[0]);
            p.received();
            writer.run();
        }
        TcpChrono.Stats st = s.chronoStats();
        assertEquals(20_000, st.sndbufLimitedMicros(), "limited by the buffer since the ACK of 70001: " + st);
        assertEquals(50_000, st.busyMicros());
        assertEquals(0, st.rwndLimitedMicros());
        h.advance(20 * MS);
        p.send(syn.srcPort(), PEER_ISS + 1, iss + 1 + 150_000, ACK, 10000, -1, new byte[0]);
        writer.run();
        assertEquals(0, left[0], "the whole write was taken");
        st = s.chronoStats();
        assertEquals(20_000, st.sndbufLimitedMicros(), "writable again: that chrono stopped at the ACK of 95001");
        assertEquals(70_000, st.busyMicros());
    }
}
