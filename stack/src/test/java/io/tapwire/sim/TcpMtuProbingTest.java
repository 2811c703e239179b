package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Black hole detection ({@code tcp_mtu_probing}, RFC 4821) on virtual time: between A and B the
 * wire silently drops frames above a size, with no ICMP (a black hole). Without probing (Linux's
 * default 0) A's full-sized segments never arrive; with {@code tcp_mtu_probing=1}, after
 * {@code tcp_retries1} timeouts A caps its MSS at {@code tcp_base_mss} (1024, as Linux: its
 * search_low counts the timestamp option in the headers) and the data flows, halving the cap again on each further timeout when 1024 is still
 * too big; then, as Linux's tcp_mtu_probing=1 does once a black hole turned probing on, probes
 * search upward for the largest size that crosses the hole.
 */
class TcpMtuProbingTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1_000 * MS;

    /** A net whose wire from A drops frames longer than {@code maxFrame} bytes; A's tcp_mtu_probing as given. */
    private static VirtualNet blackHole(int maxFrame, int mtuProbing) {
        VirtualNet net = new VirtualNet(a -> a.tcpMtuProbing = mtuProbing, b -> { });
        net.filter = (fromA, frame) -> fromA && frame.length > maxFrame;
        return net;
    }

    /** Sends {@code n} bytes A to B for up to {@code seconds} of virtual time; returns what B read. */
    private static int transfer(VirtualNet net, TcpSocket from, TcpSocket to, byte[] data, byte[] got, long seconds) throws Exception {
        int written = 0;
        int read = 0;
        long end = net.clock.nanoTime() + seconds * SEC;
        while (read < data.length && net.clock.nanoTime() < end) {
            if (written < data.length) {
                written += from.tryWrite(data, written, data.length - written);
            }
            net.runFor(10 * MS);
            int n;
            while ((n = to.tryRead(got, read, got.length - read)) > 0) {
                read += n;
            }
        }
        return read;
    }

    private static TcpSocket[] connect(VirtualNet net) throws Exception {
        TcpListener l = net.b.listenTcp(9, 8);
        TcpSocket c = net.a.connectTcp(VirtualNet.B_ADDR, 9);
        net.runUntil(() -> c.state() == TcpState.ESTABLISHED, 5 * SEC);
        net.runFor(MS);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s, "accepted");
        return new TcpSocket[] {c, s};
    }

    private static byte[] data() {
        return data(100_000);
    }

    private static byte[] data(int size) {
        byte[] d = new byte[size];
        new Random(7).nextBytes(d);
        return d;
    }

    @Test
    void withoutProbingFullSizedSegmentsNeverCrossTheBlackHole() throws Exception {
        VirtualNet net = blackHole(1200, 0);
        TcpSocket[] c = connect(net);
        byte[] data = data();
        int read = transfer(net, c[0], c[1], data, new byte[data.length], 30);
        assertEquals(0, read, "no full-sized segment crossed");
        assertEquals(1448, c[0].tcpInfo().sndMss(), "the MSS stayed");
        assertEquals(0, net.a.statistics().get(Stat.TCP_MTUP_BLACKHOLE));
    }

    @Test
    void withProbingTheMssDropsToTheBaseMssAfterTcpRetries1TimeoutsAndTheDataArrives() throws Exception {
        VirtualNet net = blackHole(1200, 1);
        TcpSocket[] c = connect(net);
        // 400 KB: probing waits for cwnd >= 11 segments (tcp_mtu_probe); after the timeouts
        // congestion avoidance starts from an ssthresh of about 7 segments (Linux's, from cwnd) and
        // was still at 10.8 segments when 100 KB at the base MSS had crossed.
        byte[] data = data(400_000);
        byte[] got = new byte[data.length];
        int read = transfer(net, c[0], c[1], data, got, 60);
        if (read < data.length) {
            fail("gave up waiting: " + read + " of " + data.length + " bytes crossed the black hole");
        }
        assertArrayEquals(data, got);
        assertEquals(1, net.a.statistics().get(Stat.TCP_MTUP_BLACKHOLE), "one detection was enough");
        // The detection turned probing on (Linux's tcp_mtu_probing=1): probes found room above
        // tcp_base_mss but never past the hole.
        int mss = c[0].tcpInfo().sndMss();
        assertTrue(mss > 1024 && mss + 12 + 40 + 14 <= 1200, "MSS " + mss + " above the base, its frames through the hole");
        assertTrue(net.a.statistics().get(Stat.TCP_MTUP_SUCCESS) >= 1, "a probe succeeded");
        assertTrue(net.a.statistics().get(Stat.TCP_TIMEOUTS) >= 3, "after tcp_retries1 (3) timeouts");
    }

    @Test
    void whenTheBaseMssIsStillTooBigTheCapHalvesOnTheNextTimeout() throws Exception {
        VirtualNet net = blackHole(700, 1);
        TcpSocket[] c = connect(net);
        byte[] data = data();
        byte[] got = new byte[data.length];
        int read = transfer(net, c[0], c[1], data, got, 120);
        if (read < data.length) {
            fail("gave up waiting: " + read + " of " + data.length + " bytes crossed the black hole");
        }
        assertArrayEquals(data, got);
        assertEquals(2, net.a.statistics().get(Stat.TCP_MTUP_BLACKHOLE), "1024 was too big too: halved once");
        // From 512 probing searched upward again: the largest size it found fits the hole.
        int mss = c[0].tcpInfo().sndMss();
        assertTrue(mss > 512 && mss + 12 + 40 + 14 <= 700, "MSS " + mss + " above the halved base, its frames through the hole");
        assertTrue(net.a.statistics().get(Stat.TCP_MTUP_FAIL) >= 1, "probes too big for the hole failed");
    }
}
