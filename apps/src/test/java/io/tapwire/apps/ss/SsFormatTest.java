package io.tapwire.apps.ss;

import io.tapwire.apps.control.SocketRow;
import io.tapwire.tcp.TcpInfo;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.tcp.TcpState;
import io.tapwire.tcp.cc.CaState;
import io.tapwire.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ss's columns and its {@code -i} line from a known tcp_info, through the control socket's line
 * encoding: every field in Linux's units (times in ms with %g, cwnd and friends in segments,
 * rates in bit/s) and in tcp_show_info's order.
 */
class SsFormatTest {
    static final int LOCAL = Ipv4Address.parse("10.0.0.2");
    static final int PEER = Ipv4Address.parse("10.0.0.1");

    /** A connection in fast recovery with every field distinct, so a swapped field shows. */
    static TcpInfo sample() {
        return new TcpInfo(TcpState.ESTABLISHED, CaState.RECOVERY, "cubic",
                14 * 1448, 20 * 1448, 1_234, 617, 204_000,
                5 * 1448, 2 * 1448, 1, 7,
                1448, 1460, 64_240, 131_072,
                1_000_000, 2_000_000, 7, 9,
                true, true, 1448, 12_500_000L,
                false, 0, 40_000, 1500, 1448,
                1_010_136, 10_136, 900, 1_500, 700, 1_400,
                1_100, 28_960, 3000, 42, TcpInfo.TIMER_ON, 208_000, 1, 131_072, 262_144, 5, 0, 0, 3, 0, 1);
    }

    static SocketRow row(TcpInfo info) {
        SocketRow r = SocketRow.fromConnection(new TcpLayer.TcpInfoEntry(LOCAL, 80, PEER, 41000, info, List.of()));
        return SocketRow.decode(r.encode());
    }

    private static Map<String, String> fields(String infoLine) {
        Map<String, String> m = new LinkedHashMap<>();
        String[] t = infoLine.trim().split(" ");
        for (int i = 0; i < t.length; i++) {
            int colon = t[i].indexOf(':');
            if (colon > 0) {
                m.put(t[i].substring(0, colon), t[i].substring(colon + 1));
            } else if ((t[i].equals("send") || t[i].equals("delivery_rate")) && i + 1 < t.length) {
                m.put(t[i], t[++i]);
            } else {
                m.put(t[i], "");
            }
        }
        return m;
    }

    @Test
    void infoLineHasLinuxFieldsInLinuxUnits() {
        SsFormat f = new SsFormat(new SsFormat.Options(true, true, false, false, false, true, false));
        String line = f.info(row(sample()));
        Map<String, String> m = fields(line);
        assertTrue(line.startsWith("cubic wscale:7,9 rto:204 rtt:1.234/0.617 ato:40 mss:1448 pmtu:1500 rcvmss:1448 advmss:1460 "
                + "cwnd:14 ssthresh:20 "), line);
        assertEquals("1010136", m.get("bytes_sent"));
        assertEquals("10136", m.get("bytes_retrans"));
        assertEquals("1000000", m.get("bytes_acked"));
        assertEquals("2000000", m.get("bytes_received"));
        assertEquals("900", m.get("segs_out"));
        assertEquals("1500", m.get("segs_in"));
        assertEquals("700", m.get("data_segs_out"));
        assertEquals("1400", m.get("data_segs_in"));
        // send = cwnd * mss * 8 / srtt = 14 * 1448 * 8 / 1.234 ms; -n prints it unrounded.
        assertEquals(String.format("%.0fbps", 14 * 1448 * 8_000_000.0 / 1234), m.get("send"));
        assertEquals("100000000bps", m.get("delivery_rate"));
        assertEquals("5", m.get("unacked"));
        assertEquals("1/7", m.get("retrans"));
        assertEquals("1", m.get("lost"));
        assertEquals("2", m.get("sacked"));
        assertEquals("28960", m.get("rcv_space"));
        assertEquals("1.1", m.get("minrtt"));
        assertEquals("64240", m.get("snd_wnd"));
        assertEquals("Recovery", m.get("ca_state"));
        assertFalse(m.containsKey("ts"), "ts and sack only with -o or -e, as ss 6.x prints them");
        List<String> order = List.copyOf(m.keySet());
        assertTrue(order.indexOf("bytes_sent") < order.indexOf("segs_out") && order.indexOf("segs_in") < order.indexOf("send")
                && order.indexOf("send") < order.indexOf("delivery_rate") && order.indexOf("retrans") < order.indexOf("lost")
                && order.indexOf("rcv_space") < order.indexOf("minrtt"), "tcp_show_info's order: " + order);
    }

    @Test
    void humanRatesAndOptionsWithoutDashN() {
        SsFormat f = new SsFormat(new SsFormat.Options(false, true, false, true, false, true, false));
        Map<String, String> m = fields(f.info(row(sample())));
        assertTrue(m.containsKey("ts") && m.containsKey("sack") && !m.containsKey("ecn"), m.toString());
        assertEquals("131Mbps", m.get("send"), "%.3g of 131.3 Mbit/s");
        assertEquals("100Mbps", m.get("delivery_rate"));
    }

    @Test
    void infiniteSsthreshAndUnnegotiatedWscaleAreLeftOut() {
        TcpInfo s = sample();
        TcpInfo fresh = new TcpInfo(TcpState.ESTABLISHED, CaState.OPEN, "reno", 10 * 1448, Integer.MAX_VALUE, 0, 0, 1_000_000,
                0, 0, 0, 0, 1448, 1460, 0, 0, 0, 0, -1, -1, false, false, 0, 0, false, 0, 0, 1500, 536, 0, 0, 2, 1, 0, 0,
                0, 14_600, 0, 0, TcpInfo.TIMER_OFF, 0, 0, 65_536, 16_384, 0, 0, 0, 3, 0, 0);
        String line = new SsFormat(new SsFormat.Options(true, true, false, false, false, true, false)).info(row(fresh));
        assertEquals("reno rto:1000 mss:1448 pmtu:1500 rcvmss:536 advmss:1460 cwnd:10 segs_out:2 segs_in:1 rcv_space:14600 "
                + "ca_state:Open", line);
        assertTrue(s.ssthresh() < Integer.MAX_VALUE);
    }

    @Test
    void columnsLineUpUnderTheHeaderWithNumericPorts() {
        SocketRow listener = SocketRow.decode(SocketRow.fromListener(new TcpLayer.ListenerEntry(0, 80, 1, 0, 128)).encode());
        SocketRow conn = row(sample());
        String out = new SsFormat(new SsFormat.Options(true, false, false, false, false, true, false)).table(List.of(listener, conn));
        String[] lines = out.split("\n");
        assertEquals(3, lines.length, out);
        assertTrue(lines[0].startsWith("State  Recv-Q Send-Q"), out);
        assertTrue(lines[0].contains("Local Address:Port") && lines[0].contains("Peer Address:Port") && lines[0].endsWith("Process"));
        assertEquals(List.of("LISTEN", "1", "128", "0.0.0.0:80", "0.0.0.0:*"), List.of(lines[1].trim().split("\\s+")));
        assertEquals(List.of("ESTAB", "42", "3000", "10.0.0.2:80", "10.0.0.1:41000"), List.of(lines[2].trim().split("\\s+")));
        // The local column is right-aligned on ':': both colons in one place.
        assertEquals(lines[1].indexOf(":80"), lines[2].indexOf(":80"), out);
    }

    @Test
    void withoutDashNKnownPortsShowTheirServiceName() {
        String out = new SsFormat(new SsFormat.Options(false, false, false, false, false, false, false)).table(List.of(row(sample())));
        if (Services.name(80) != null) {
            assertTrue(out.contains("10.0.0.2:" + Services.name(80)), out);
        } else {
            assertTrue(out.contains("10.0.0.2:80"), out);
        }
        assertFalse(out.contains("Recv-Q"), "-H: no header");
    }

    @Test
    void cFormatGMatchesPrintf() {
        assertEquals("204", CFormat.g(204.0));
        assertEquals("0.617", CFormat.g(0.617));
        assertEquals("1.234", CFormat.g(1.234));
        assertEquals("0.005", CFormat.g(0.005));
        assertEquals("1e-05", CFormat.g(0.00001));
        assertEquals("1.23457e+06", CFormat.g(1234567.0));
        assertEquals("131", CFormat.g(131.3, 3));
        assertEquals("9.5", CFormat.g(9.5, 3));
    }

    @Test
    void dashOShowsThePendingTimerAndDashMTheMemory() {
        String out = new SsFormat(new SsFormat.Options(true, false, false, true, false, false, false, true)).table(List.of(row(sample())));
        String[] lines = out.split("\n");
        assertTrue(lines[0].endsWith(" timer:(on,208ms,1)"), out);
        assertEquals("\t skmem:(r42,rb131072,t3000,tb262144,f0,w0,o0,bl0,d0)", lines[1]);
        String plain = new SsFormat(new SsFormat.Options(true, false, false, false, false, false, false)).table(List.of(row(sample())));
        assertFalse(plain.contains("timer:") || plain.contains("skmem"), plain);
    }

    @Test
    void msTimerAsIproute2PrintsIt() {
        assertEquals("208ms", SsFormat.msTimer(208));
        assertEquals("1.208sec", SsFormat.msTimer(1208));
        assertEquals("59sec", SsFormat.msTimer(59_000));
        assertEquals("119min", SsFormat.msTimer(119 * 60_000));
        assertEquals("2min5sec", SsFormat.msTimer(125_000));
        assertEquals("0ms", SsFormat.msTimer(0));
    }
}
