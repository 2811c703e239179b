package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.net.RouteMetrics;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.TcpOptions;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Route metrics (Linux's {@code ip route change ... advmss N mtu lock N initcwnd N}) and
 * packetization-layer path MTU probing upward ({@code tcp_mtu_probing=2}, RFC 4821 section 7)
 * between two stacks on virtual time. B serves; its route to A carries the metrics.
 */
class TcpRouteMetricsTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1_000 * MS;

    private static InetAddress a() throws Exception {
        return InetAddress.getByName(Ipv4Address.toString(VirtualNet.A_ADDR));
    }

    /** Payload sizes and MSS options of the TCP segments B sent, in order. */
    private record Sent(List<Integer> payloads, List<Integer> mssOptions) { }

    /** Records B's segments; drops A's frames while {@code holdAcks[0]} is set. */
    private static Sent record(VirtualNet net, boolean[] holdAcks) {
        Sent s = new Sent(new ArrayList<>(), new ArrayList<>());
        net.filter = (fromA, f) -> {
            if (fromA) {
                return holdAcks[0];
            }
            ByteBuffer b = ByteBuffer.wrap(f);
            if (b.getShort(12) != 0x0800 || f[14 + 9] != 6) {
                return false;
            }
            int ipLen = b.getShort(16) & 0xFFFF;
            int tcpOff = 14 + (f[14] & 0x0F) * 4;
            int hdr = ((f[tcpOff + 12] & 0xF0) >>> 4) * 4;
            s.payloads.add(ipLen - (tcpOff - 14) - hdr);
            TcpOptions o = new TcpOptions();
            o.parse(b, tcpOff + 20, hdr - 20);
            if (o.hasMss()) {
                s.mssOptions.add(o.mss());
            }
            return false;
        };
        return s;
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

    /** B's first flight of {@code bytes} while A's ACKs are held: the payload sizes. */
    private static List<Integer> firstFlight(VirtualNet net, Sent sent, boolean[] hold, TcpSocket from, int bytes) throws Exception {
        int before = sent.payloads.size();
        hold[0] = true;
        byte[] data = new byte[bytes];
        int w = from.tryWrite(data, 0, data.length);
        assertEquals(bytes, w, "the write fits the send buffer");
        // Less than the loss probe's timeout (RFC 8985: 2 SRTT, at least 10 ms in Linux), so only the
        // window's segments are out.
        net.runFor(2 * MS);
        List<Integer> flight = new ArrayList<>(sent.payloads.subList(before, sent.payloads.size()));
        hold[0] = false;
        return flight;
    }

    @Test
    void advmssMtuLockAndInitcwndShapeTheConnection() throws Exception {
        VirtualNet net = new VirtualNet();
        boolean[] hold = {false};
        Sent sent = record(net, hold);
        net.b.routes().change(a(), new RouteMetrics.Metrics(600, 640, true, 11));
        TcpSocket[] c = connect(net);
        assertEquals(List.of(600), sent.mssOptions, "the SYN-ACK advertises the route's advmss");
        // mss_cache from the locked route MTU: 640 - 40, less the timestamp option.
        assertEquals(640 - 40 - 12, c[1].tcpInfo().sndMss());
        List<Integer> flight = firstFlight(net, sent, hold, c[1], 20_000);
        assertEquals(11, flight.size(), "initcwnd 11 segments before any ACK: " + flight);
        assertTrue(flight.stream().allMatch(n -> n == 588), "every segment fits the locked MTU: " + flight);
    }

    @Test
    void withoutMetricsTheInterfaceDecidesAndTheWindowIsTen() throws Exception {
        VirtualNet net = new VirtualNet();
        boolean[] hold = {false};
        Sent sent = record(net, hold);
        TcpSocket[] c = connect(net);
        assertEquals(List.of(1460), sent.mssOptions);
        assertEquals(1448, c[1].tcpInfo().sndMss());
        List<Integer> flight = firstFlight(net, sent, hold, c[1], 30_000);
        assertEquals(10, flight.size(), "RFC 6928's ten segments: " + flight);
    }

    /** Sends {@code data} B to A; fails the test when it does not all arrive in 10 virtual seconds. */
    private static void transfer(VirtualNet net, TcpSocket from, TcpSocket to, byte[] data) throws Exception {
        byte[] got = new byte[data.length];
        int written = 0;
        int read = 0;
        for (int i = 0; i < 2000 && read < data.length; i++) {
            if (written < data.length) {
                written += from.tryWrite(data, written, data.length - written);
            }
            net.runFor(5 * MS);
            int n;
            while ((n = to.tryRead(got, read, got.length - read)) > 0) {
                read += n;
            }
        }
        if (read < data.length) {
            fail("gave up waiting: " + read + " of " + data.length + " bytes");
        }
        assertArrayEquals(data, got);
    }

    @Test
    void probingRaisesTheMssOnceTheRouteAllowsItAndSearchesAgainAfterTheInterval() throws Exception {
        VirtualNet net = new VirtualNet(a -> { }, b -> {
            b.tcpMtuProbing = 2;
            b.tcpBaseMss = 512;
            b.tcpProbeIntervalNanos = 5 * SEC;
        });
        boolean[] hold = {false};
        Sent sent = record(net, hold);
        net.b.routes().change(a(), new RouteMetrics.Metrics(600, 640, true, 11));
        TcpSocket[] c = connect(net);
        assertEquals(588, c[1].tcpInfo().sndMss(), "a passive open keeps the MSS its SYN settled");
        // The route now allows 1500; the connection notices at its next send (Linux's dst check).
        net.b.routes().change(a(), new RouteMetrics.Metrics(1460, 1500, true, 0));
        byte[] data = new byte[100_000];
        new Random(5).nextBytes(data);
        int before = sent.payloads.size();
        transfer(net, c[1], c[0], data);
        List<Integer> after = new ArrayList<>(sent.payloads.subList(before, sent.payloads.size()));
        // The first probe: the midpoint of search_low (tcp_mss_to_mtu(512) = 564) and search_high
        // (1460 + 40 = 1500), 1032, as an MSS: 1032 - 52 = 980. The segments beside it keep 588.
        assertEquals(980, (int) after.get(0), "the first segment after the route change is the probe: " + after.subList(0, 8));
        assertEquals(588, (int) after.get(1));
        assertEquals(1, net.b.statistics().get(Stat.TCP_MTUP_SUCCESS), "the probe was acknowledged");
        // Its success synced the MSS to the MTU it was sized for (640), which capped search_high
        // there (Linux's tcp_sync_mss); the new route's 1500 then allowed the probe's size only.
        assertEquals(980, c[1].tcpInfo().sndMss());
        assertTrue(after.stream().allMatch(n -> n <= 980), "nothing above the probe yet");

        // After tcp_probe_interval the whole range (up to the peer's MSS) is searched again: the
        // first send that finds the range spent resets it (tcp_mtu_check_reprobe), the next probes.
        // The idle restart (tcp_slow_start_after_idle) puts cwnd back to 10 segments, so this transfer
        // leaves over several round trips and the probes after the reset come within it (with the
        // restart off the whole transfer leaves in the first window, before the reset has a probe's
        // worth of data queued behind it, and the probes wait for the next transfer).
        net.runFor(6 * SEC);
        transfer(net, c[1], c[0], data);
        assertTrue(net.b.statistics().get(Stat.TCP_MTUP_SUCCESS) >= 2, "probes succeeded again: mss " + c[1].tcpInfo().sndMss() + " cwnd " + c[1].tcpInfo().cwnd() + " ca " + c[1].tcpInfo().caState() + " fails " + net.b.statistics().get(Stat.TCP_MTUP_FAIL));
        int mss = c[1].tcpInfo().sndMss();
        assertTrue(mss > 980 && mss <= 1448, "the MSS grew past the first probe: " + mss);
        assertEquals(0, net.b.statistics().get(Stat.TCP_MTUP_FAIL), "every probe fitted the path");
    }
}
