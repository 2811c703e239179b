package io.tapwire.apps.iperf;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parts of the iperf3 protocol that need no network: JSON, framing, units, UDP accounting, stream ids. */
class IperfPiecesTest {
    @Test
    void jsonRoundTripsWhatIperf3Sends() {
        String text = "{\"tcp\":true,\"omit\":0,\"time\":2,\"num\":0,\"parallel\":3,\"len\":131072,\"client_version\":\"3.12\","
                + "\"streams\":[{\"id\":1,\"jitter\":1.5e-05,\"retransmits\":18446744073709551615}],\"x\":null,\"s\":\"a\\\"b\\n\"}";
        Map<String, Object> m = Json.parseObject(text);
        assertEquals(true, m.get("tcp"));
        assertEquals(3L, m.get("parallel"));
        assertEquals("3.12", m.get("client_version"));
        Map<?, ?> stream = (Map<?, ?>) ((List<?>) m.get("streams")).get(0);
        assertEquals(1.5e-05, stream.get("jitter"));
        assertEquals(1.8446744073709552E19, stream.get("retransmits"), "an unsigned -1 parses (as a double)");
        assertEquals("a\"b\n", m.get("s"));
        assertEquals(m, Json.parseObject(Json.write(m)));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":}"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1,2"));
    }

    @Test
    void jsonIsFramedWithABigEndianLength() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        IperfProtocol.writeJson(out, Map.of("a", 1L));
        byte[] b = out.toByteArray();
        assertArrayEquals(new byte[] {0, 0, 0, 7}, java.util.Arrays.copyOf(b, 4));
        assertEquals("{\"a\":1}", new String(b, 4, 7));
        assertEquals(Map.of("a", 1L), IperfProtocol.readJson(new ByteArrayInputStream(b)));
    }

    @Test
    void cookieIs36Base32CharactersAndANul() {
        byte[] c = IperfProtocol.newCookie();
        assertEquals(37, c.length);
        assertEquals(0, c[36]);
        for (int i = 0; i < 36; i++) {
            assertTrue("abcdefghijklmnopqrstuvwxyz234567".indexOf(c[i]) >= 0);
        }
    }

    @Test
    void streamIdsFollowIperfAddStream() {
        assertEquals(List.of(1, 3, 4, 5), List.of(IperfProtocol.streamId(0), IperfProtocol.streamId(1), IperfProtocol.streamId(2),
                IperfProtocol.streamId(3)));
    }

    @Test
    void unitsAsIperf3ReadsThem() {
        assertEquals(8L << 20, IperfCommand.size("8M"));
        assertEquals(1024, IperfCommand.size("1k"));
        assertEquals(10_000_000, IperfCommand.rate("10M"));
        assertEquals(1_500, IperfCommand.rate("1.5K"));
        assertThrows(IllegalArgumentException.class, () -> IperfCommand.size("lots"));
    }

    @Test
    void udpGapsCountAsLossAndALatePacketTakesOneBack() {
        UdpReceiveStats s = new UdpReceiveStats();
        s.packet(100, 0, 0, 1, 1000);
        s.packet(100, 0, 0, 2, 1000);
        s.packet(100, 0, 0, 5, 1000);
        assertEquals(5, s.packetCount);
        assertEquals(2, s.errors, "3 and 4 missing");
        s.packet(100, 0, 0, 3, 1000);
        assertEquals(1, s.errors, "3 arrived late");
        assertEquals(1, s.outOfOrder);
        assertEquals(400, s.bytes);
    }

    @Test
    void jitterFollowsRfc1889() {
        UdpReceiveStats s = new UdpReceiveStats();
        // Sent every 1000 us; transit 100 us, then 500 us: D = 400 us, J = 400/16 us.
        s.packet(100, 0, 0, 1, 100);
        s.packet(100, 0, 1000, 2, 1500);
        assertEquals(400e-6 / 16, s.jitter, 1e-12);
        byte[] b = new byte[20];
        UdpReceiveStats.header(b, 3_000_123L, 7, false);
        UdpReceiveStats r = new UdpReceiveStats();
        r.datagram(b, 20, false, 3_000_123L);
        assertEquals(7, r.packetCount);
        assertEquals(6, r.errors, "the header's sequence number was read back");
    }
}
