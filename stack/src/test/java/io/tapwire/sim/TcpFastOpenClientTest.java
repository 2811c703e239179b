package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static io.tapwire.sim.StackHarness.PEER;
import static io.tapwire.sim.StackHarness.US;
import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * TCP Fast Open, client side (RFC 7413), against a scripted server: the cookie request on the
 * first connection, data in the SYN with the cached cookie, the SYN-ACK that does not acknowledge
 * it (RFC 7413 4.2.2), SYN retransmission without data, the cookie cache's rules, the counters.
 */
class TcpFastOpenClientTest {
    static final HexFormat HEX = HexFormat.of();
    static final byte[] COOKIE = HEX.parseHex("0102030405060708");
    private static final int SERVER_PORT = 80;
    private static final int SERVER_ISS = 5_000_000;

    /** A segment the stack sent, with every option it carried. */
    record Out(int srcPort, int seq, int ack, int flags, byte[] payload, TcpOptions options) {
        boolean has(int f) {
            return (flags & f) == f;
        }

        String cookie() {
            if (!options.hasFastOpen()) {
                return null;
            }
            byte[] c = new byte[TcpOptions.MAX_LENGTH];
            int n = options.copyFastOpenCookie(c);
            return HEX.formatHex(c, 0, n);
        }
    }

    static List<Out> sent(StackHarness h) {
        List<Out> out = new ArrayList<>();
        for (byte[] f : h.transmitted()) {
            ByteBuffer b = ByteBuffer.wrap(f);
            if (b.getShort(12) != 0x0800 || (f[14 + Ipv4Packet.PROTOCOL] & 0xFF) != 6) {
                continue;
            }
            Ipv4Packet ip = new Ipv4Packet();
            ip.wrap(b, 14, f.length - 14);
            TcpSegment s = new TcpSegment();
            if (s.wrap(b, ip.payloadOffset(), ip.payloadLength()) != null || !s.checksumValid(US, PEER)) {
                fail("stack sent a malformed segment");
            }
            TcpOptions o = new TcpOptions();
            s.options(o);
            byte[] payload = new byte[s.payloadLength()];
            b.get(s.payloadOffset(), payload);
            out.add(new Out(s.srcPort(), s.seq(), s.ack(), s.flags(), payload, o));
        }
        return out;
    }

    static Out one(StackHarness h) {
        List<Out> r = sent(h);
        if (r.size() != 1) {
            fail("expected one segment, got " + r.size() + ": " + r);
        }
        return r.get(0);
    }

    private static StackHarness harness(int tcpFastopen) {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 21;
        c.tcpFastopen = tcpFastopen;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        return h;
    }

    private static TcpSocket fastOpenConnect(StackHarness h) {
        return h.stack.connectTcp(PEER, SERVER_PORT, SocketOptions.defaults().fastOpenConnect(true));
    }

    private static long stat(StackHarness h, Stat s) {
        return h.stack.statistics().get(s);
    }

    /** The server's SYN-ACK to {@code syn}, acknowledging {@code acked} bytes of its data, with {@code cookie} (null: no option). */
    private static void synAck(StackHarness h, Out syn, int acked, byte[] cookie) {
        TcpPeer server = new TcpPeer(h, SERVER_PORT);
        TcpOptions o = new TcpOptions().setMss(1460);
        if (cookie != null) {
            o.setFastOpen(cookie, cookie.length, false);
        }
        server.sendWithOptions(syn.srcPort(), SERVER_ISS, syn.seq() + 1 + acked, SYN | ACK, 65535, o, new byte[0]);
    }

    /** A first connection that gets {@link #COOKIE} from the server, then is dropped (the server's RST). */
    private static void learnCookie(StackHarness h) throws Exception {
        TcpSocket s = fastOpenConnect(h);
        s.tryWrite(new byte[10], 0, 10);
        Out syn = one(h);
        synAck(h, syn, 0, COOKIE);
        sent(h);
        s.abort();
        sent(h);
    }

    @Test
    void firstConnectionAsksForACookieAndSendsItsDataAfterTheHandshake() throws Exception {
        StackHarness h = harness(0x1);
        TcpSocket s = fastOpenConnect(h);
        assertTrue(sent(h).isEmpty(), "TCP_FASTOPEN_CONNECT: no SYN before the first write");
        assertTrue((s.readiness() & io.tapwire.event.Events.OUT) != 0, "writable before the SYN, as Linux's poll says");
        assertEquals(100, s.tryWrite(new byte[100], 0, 100), "the first write is taken while connecting");
        Out syn = one(h);
        assertTrue(syn.has(SYN) && !syn.has(ACK));
        assertEquals("", syn.cookie(), "RFC 7413 4.1.1: an empty option asks for a cookie");
        assertEquals(0, syn.payload().length, "no cookie, no data in the SYN");

        synAck(h, syn, 0, COOKIE);
        Out data = one(h);
        assertTrue(data.has(ACK), "the data carries the handshake's ACK");
        assertEquals(syn.seq() + 1, data.seq());
        assertEquals(100, data.payload().length);
        assertEquals(TcpState.ESTABLISHED, s.state());
        assertArrayEquals(COOKIE, h.stack.tcp().fastOpenCookie(s.tcb()), "the cookie is cached for the server");
        assertEquals(0, stat(h, Stat.TCP_FASTOPEN_ACTIVE));
        assertEquals(0, stat(h, Stat.TCP_FASTOPEN_ACTIVE_FAIL));
    }

    @Test
    void withACachedCookieTheDataGoesInTheSynAndItsAckCompletesTheOpen() throws Exception {
        StackHarness h = harness(0x1);
        learnCookie(h);
        TcpSocket s = fastOpenConnect(h);
        s.tryWrite(new byte[100], 0, 100);
        Out syn = one(h);
        assertEquals(HEX.formatHex(COOKIE), syn.cookie());
        assertEquals(100, syn.payload().length, "RFC 7413 4.2.1: the data rides in the SYN");

        synAck(h, syn, 100, null);
        Out ack = one(h);
        assertEquals(0, ack.payload().length, "nothing to resend: a pure ACK");
        assertEquals(syn.seq() + 101, ack.seq());
        assertEquals(SERVER_ISS + 1, ack.ack());
        assertEquals(1, stat(h, Stat.TCP_FASTOPEN_ACTIVE));
        assertEquals(0, stat(h, Stat.TCP_RETRANS_SEGS));
        assertArrayEquals(COOKIE, h.stack.tcp().fastOpenCookie(s.tcb()), "a SYN-ACK without a cookie keeps the cached one");
    }

    @Test
    void dataTheSynAckDoesNotAcknowledgeIsSentAgainAtOnce() throws Exception {
        StackHarness h = harness(0x1);
        learnCookie(h);
        TcpSocket s = fastOpenConnect(h);
        s.tryWrite(new byte[100], 0, 100);
        Out syn = one(h);
        assertEquals(100, syn.payload().length);

        // The server rejected the cookie (RFC 7413 4.2.2): it acknowledges the SYN only.
        synAck(h, syn, 0, null);
        Out again = one(h);
        assertEquals(syn.seq() + 1, again.seq(), "the SYN's data again, from its first byte");
        assertEquals(100, again.payload().length);
        assertTrue(again.has(ACK));
        assertEquals(1, stat(h, Stat.TCP_FASTOPEN_ACTIVE_FAIL));
        assertEquals(0, stat(h, Stat.TCP_FASTOPEN_ACTIVE));
    }

    @Test
    void aPartlyAcknowledgedSynDataResendsOnlyTheRest() throws Exception {
        StackHarness h = harness(0x1);
        learnCookie(h);
        TcpSocket s = fastOpenConnect(h);
        s.tryWrite(new byte[100], 0, 100);
        Out syn = one(h);
        synAck(h, syn, 40, null);
        Out rest = one(h);
        assertEquals(syn.seq() + 41, rest.seq());
        assertEquals(60, rest.payload().length);
    }

    @Test
    void aRetransmittedSynCarriesNeitherTheCookieNorData() throws Exception {
        StackHarness h = harness(0x1);
        learnCookie(h);
        TcpSocket s = fastOpenConnect(h);
        s.tryWrite(new byte[100], 0, 100);
        Out syn = one(h);
        assertEquals(100, syn.payload().length);
        h.advance(1_100_000_000L);
        Out retry = one(h);
        assertTrue(retry.has(SYN));
        assertEquals(syn.seq(), retry.seq());
        assertEquals(0, retry.payload().length, "the retransmitted SYN has no data (Linux's tcp_send_syn_data)");
        assertFalse(retry.options().hasFastOpen(), "nor the option: Linux retransmits a plain SYN");
        // The server only saw the plain SYN: the data follows the handshake.
        synAck(h, retry, 0, null);
        Out data = one(h);
        assertEquals(100, data.payload().length);
        assertEquals(syn.seq() + 1, data.seq());
    }

    @Test
    void onlyValidCookiesAreCached() throws Exception {
        StackHarness h = harness(0x1);
        TcpSocket s = fastOpenConnect(h);
        s.tryWrite(new byte[10], 0, 10);
        Out syn = one(h);
        synAck(h, syn, 0, HEX.parseHex("010203"));   // 3 bytes: RFC 7413 4.1.1 wants 4 to 16
        sent(h);
        assertNull(h.stack.tcp().fastOpenCookie(s.tcb()));
        s.abort();
        sent(h);

        TcpSocket s2 = fastOpenConnect(h);
        s2.tryWrite(new byte[10], 0, 10);
        Out syn2 = one(h);
        assertEquals("", syn2.cookie(), "Linux keeps asking for a cookie");
        assertEquals(0, syn2.payload().length);
    }

    @Test
    void aNewValidCookieReplacesTheCachedOne() throws Exception {
        StackHarness h = harness(0x1);
        learnCookie(h);
        TcpSocket s = fastOpenConnect(h);
        s.tryWrite(new byte[10], 0, 10);
        Out syn = one(h);
        byte[] fresh = HEX.parseHex("a1a2a3a4a5a6a7a8a9aa");
        synAck(h, syn, 0, fresh);
        sent(h);
        assertArrayEquals(fresh, h.stack.tcp().fastOpenCookie(s.tcb()));
    }

    @Test
    void withPathDisablingAServerWithoutCookiesGetsPlainSyns() throws Exception {
        StackHarness h = harness(0x1);
        h.stack.config().tcpFastopenPathDisableNanos = 900_000_000_000L;
        TcpSocket s = fastOpenConnect(h);
        s.tryWrite(new byte[10], 0, 10);
        synAck(h, one(h), 0, null);   // no Fast Open at the server
        sent(h);
        s.abort();
        sent(h);

        TcpSocket s2 = fastOpenConnect(h);
        s2.tryWrite(new byte[10], 0, 10);
        Out syn = one(h);
        assertFalse(syn.options().hasFastOpen(), "FreeBSD's path_disable_time: no Fast Open option for a while");
        assertEquals(0, syn.payload().length);
    }

    @Test
    void noCookieModeSendsDataWithoutAnOption() throws Exception {
        StackHarness h = harness(0x1 | 0x4);
        TcpSocket s = fastOpenConnect(h);
        s.tryWrite(new byte[50], 0, 50);
        Out syn = one(h);
        assertFalse(syn.options().hasFastOpen(), "tcp_fastopen 0x4: data without any cookie option");
        assertEquals(50, syn.payload().length);
    }

    @Test
    void withTheClientSideOffAFastOpenConnectIsAnOrdinaryOne() throws Exception {
        StackHarness h = harness(0);
        fastOpenConnect(h);
        Out syn = one(h);
        assertTrue(syn.has(SYN));
        assertFalse(syn.options().hasFastOpen());
    }

    @Test
    void synDataIsLimitedByTheServersMssLessTheLargestHeader() throws Exception {
        StackHarness h = harness(0x1);
        learnCookie(h);   // the server's MSS 1460 is cached with the cookie
        TcpSocket s = fastOpenConnect(h);
        s.tryWrite(new byte[3000], 0, 3000);
        Out syn = one(h);
        assertEquals(1460 - 40, syn.payload().length, "Linux's tcp_send_syn_data leaves room for 40 bytes of options");
    }

    @Test
    void aRequestThatGotNoCookieIsMadeInTheExperimentalOptionNext() throws Exception {
        StackHarness h = harness(0x1);
        TcpSocket s = fastOpenConnect(h);
        s.tryWrite(new byte[10], 0, 10);
        Out syn = one(h);
        assertFalse(syn.options().fastOpenExperimental());
        synAck(h, syn, 0, null);
        sent(h);
        s.abort();
        sent(h);

        TcpSocket s2 = fastOpenConnect(h);
        s2.tryWrite(new byte[10], 0, 10);
        Out syn2 = one(h);
        assertEquals("", syn2.cookie());
        assertTrue(syn2.options().fastOpenExperimental(), "Linux's try_exp: kind 254, magic 0xF989");
        // The cookie comes back in that format, and is sent in it.
        TcpPeer server = new TcpPeer(h, SERVER_PORT);
        server.sendWithOptions(syn2.srcPort(), SERVER_ISS, syn2.seq() + 1, SYN | ACK, 65535,
                new TcpOptions().setMss(1460).setFastOpen(COOKIE, COOKIE.length, true), new byte[0]);
        sent(h);
        s2.abort();
        sent(h);
        TcpSocket s3 = fastOpenConnect(h);
        s3.tryWrite(new byte[10], 0, 10);
        Out syn3 = one(h);
        assertEquals(HEX.formatHex(COOKIE), syn3.cookie());
        assertTrue(syn3.options().fastOpenExperimental());
        assertEquals(10, syn3.payload().length);
    }

    @Test
    void theSynAckOfASimultaneousOpenDoesNotCarryOurCookie() throws Exception {
        StackHarness h = harness(0x1);
        learnCookie(h);
        TcpSocket s = fastOpenConnect(h);
        s.tryWrite(new byte[100], 0, 100);
        Out syn = one(h);
        new TcpPeer(h, SERVER_PORT).send(syn.srcPort(), SERVER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        Out synAck = one(h);
        assertTrue(synAck.has(SYN | ACK));
        assertFalse(synAck.options().hasFastOpen());
        assertEquals(0, synAck.payload().length);
    }

    @Test
    void fragmentationNeededForTheSynDataResendsThePlainSynWithThePathsMss() throws Exception {
        StackHarness h = harness(0x1);
        learnCookie(h);
        TcpSocket s = fastOpenConnect(h);
        s.tryWrite(new byte[1000], 0, 1000);
        Out syn = one(h);
        assertEquals(1000, syn.payload().length);
        // ICMP fragmentation needed, MTU 800, quoting the SYN (RFC 1191).
        ByteBuffer tcp = ByteBuffer.allocate(20);
        tcp.putShort(0, (short) syn.srcPort());
        tcp.putShort(2, (short) SERVER_PORT);
        tcp.putInt(4, syn.seq());
        tcp.put(12, (byte) 0x50);
        tcp.put(13, (byte) SYN);
        byte[] quotedIp = Frames.ipv4(US, PEER, Ipv4Packet.PROTO_TCP, 1, Ipv4Packet.FLAG_DF, 64, tcp.array());
        int quoted = Ipv4Packet.MIN_HEADER_LENGTH + 8;
        ByteBuffer b = ByteBuffer.allocate(io.tapwire.wire.Icmpv4Packet.HEADER_LENGTH + quoted);
        b.put(io.tapwire.wire.Icmpv4Packet.HEADER_LENGTH, quotedIp, 0, quoted);
        io.tapwire.wire.Icmpv4Packet e = new io.tapwire.wire.Icmpv4Packet().wrapForWrite(b, 0, b.capacity());
        e.setType(io.tapwire.wire.Icmpv4Packet.TYPE_DEST_UNREACHABLE);
        e.setCode(io.tapwire.wire.Icmpv4Packet.CODE_FRAGMENTATION_NEEDED);
        e.setRest(800);
        e.fillChecksum();
        h.injectIp(Frames.ipv4(PEER, US, Ipv4Packet.PROTO_ICMP, 2, 0, 64, b.array()));

        Out again = one(h);
        assertTrue(again.has(SYN));
        assertEquals(0, again.payload().length, "Linux resends the SYN at once, without the data");
        assertEquals(760, again.options().mss(), "advertising the path's MSS (800 - 40)");
        assertFalse(again.options().hasFastOpen());
        synAck(h, again, 0, null);
        List<Out> data = sent(h);
        assertEquals(2, data.size(), "the data follows, cut to the new MSS: " + data);
        assertEquals(syn.seq() + 1, data.get(0).seq());
        assertEquals(760, data.get(0).payload().length);
        assertEquals(240, data.get(1).payload().length);
    }
}
