package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * TCP Fast Open over IPv6 (RFC 7413): the server's cookie is SipHash-2-4 of the client's and our
 * 16-byte addresses (Linux's __tcp_fastopen_cookie_gen_cipher for AF_INET6), and a valid one
 * opens the connection with the SYN's data.
 */
class TcpFastOpen6Test {
    private static final HexFormat HEX = HexFormat.of();
    /** SipHash-2-4 of fd00::1 then fd00::2 under a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4, little-endian (computed independently). */
    private static final String VALID = "e79f021f52124318";
    private static final Ipv6Address PEER = Ipv6Peer.PEER;
    private static final Ipv6Address US = Ipv6Peer.US;
    private static final int PORT = 80;

    private static Ipv6Peer peer() {
        Ipv6Peer p = new Ipv6Peer(c -> {
            c.tcpFastopen = 0x3;
            c.tcpFastopenKey = HEX.parseHex("a1a1a1a1b2b2b2b2c3c3c3c3d4d4d4d4");
        }).started();
        p.solicitUs();
        p.sent();
        return p;
    }

    private static TcpSegment onlySegment(Ipv6Peer p, TcpOptions into) {
        List<Ipv6Peer.Sent> out = p.sent();
        assertEquals(1, out.size());
        TcpSegment s = Tcp6SimulationTest.segmentOf(out.get(0));
        assertNull(s.options(into));
        return s;
    }

    @Test
    void aCookieRequestOverIpv6GetsTheCookieOfBothAddresses() throws Exception {
        Ipv6Peer p = peer();
        p.h.stack.listenTcp(PORT, 16, SocketOptions.defaults().fastOpenQueue(8));
        p.send(Tcp6SimulationTest.tcp6(PEER, US, 40000, PORT, 1000, 0, TcpSegment.SYN, 65535,
                new TcpOptions().setMss(1440).setFastOpen(new byte[0], 0, false), new byte[20]));
        TcpOptions o = new TcpOptions();
        TcpSegment synAck = onlySegment(p, o);
        assertEquals(1001, synAck.ack(), "a request's data is not taken");
        byte[] cookie = new byte[16];
        assertEquals(8, o.copyFastOpenCookie(cookie));
        assertEquals(VALID, HEX.formatHex(cookie, 0, 8));
        assertEquals(1, p.h.stack.statistics().get(Stat.TCP_FASTOPEN_COOKIE_REQD));
    }

    @Test
    void aValidCookieOverIpv6OpensTheConnectionWithItsData() throws Exception {
        Ipv6Peer p = peer();
        TcpListener l = p.h.stack.listenTcp(PORT, 16, SocketOptions.defaults().fastOpenQueue(8));
        byte[] valid = HEX.parseHex(VALID);
        p.send(Tcp6SimulationTest.tcp6(PEER, US, 40001, PORT, 1000, 0, TcpSegment.SYN, 65535,
                new TcpOptions().setMss(1440).setFastOpen(valid, valid.length, false), new byte[20]));
        TcpSegment synAck = onlySegment(p, new TcpOptions());
        assertEquals(1021, synAck.ack(), "RFC 7413 4.2.2: the SYN-ACK acknowledges the data");
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s);
        assertEquals(20, s.tryRead(new byte[64], 0, 64));
    }
}
