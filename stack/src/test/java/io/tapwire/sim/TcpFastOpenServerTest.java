package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.TcpOptions;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import static io.tapwire.sim.TcpFastOpenClientTest.one;
import static io.tapwire.sim.TcpFastOpenClientTest.sent;
import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TCP Fast Open, server side (RFC 7413), against a scripted client: cookies (Linux's SipHash of
 * the addresses under tcp_fastopen_key), a valid cookie's data delivered to accept() before the
 * handshake completes and acknowledged by the SYN-ACK, a wrong cookie or a request answered with
 * the right cookie and a normal handshake, the Fast Open queue, tcp_fastopen's server bits.
 */
class TcpFastOpenServerTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] KEY = HEX.parseHex("a1a1a1a1b2b2b2b2c3c3c3c3d4d4d4d4");
    /** SipHash-2-4 of 10.0.0.1 then 10.0.0.2 under {@link #KEY}, little-endian (computed independently). */
    private static final byte[] VALID = HEX.parseHex("b65b7897f70bf77d");
    private static final int PORT = 8080;
    private static final int CLIENT_ISS = 9_000_000;

    private static StackHarness harness(int tcpFastopen) {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 31;
        c.tcpFastopen = tcpFastopen;
        c.tcpFastopenKey = KEY.clone();
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        return h;
    }

    private static TcpListener listen(StackHarness h, int qlen) throws Exception {
        return h.stack.listenTcp(PORT, 8, SocketOptions.defaults().fastOpenQueue(qlen));
    }

    /** A SYN from {@code client} with {@code cookie} (null: no option; empty: a request) and {@code data} bytes. */
    private static void syn(TcpPeer client, byte[] cookie, int data, boolean experimental) {
        TcpOptions o = new TcpOptions().setMss(1460).setSackPermitted(true);
        if (cookie != null) {
            o.setFastOpen(cookie, cookie.length, experimental);
        }
        byte[] payload = new byte[data];
        for (int i = 0; i < data; i++) {
            payload[i] = (byte) ('a' + i % 26);
        }
        client.sendWithOptions(PORT, CLIENT_ISS, 0, SYN, 32792, o, payload);
    }

    private static long stat(StackHarness h, Stat s) {
        return h.stack.statistics().get(s);
    }

    @Test
    void aValidCookieOpensTheConnectionWithItsDataBeforeTheHandshakeCompletes() throws Exception {
        StackHarness h = harness(0x3);
        TcpListener l = listen(h, 16);
        TcpPeer client = new TcpPeer(h, 40000);
        syn(client, VALID, 10, false);
        TcpFastOpenClientTest.Out synAck = one(h);
        assertTrue(synAck.has(SYN | ACK));
        assertEquals(CLIENT_ISS + 11, synAck.ack(), "RFC 7413 4.2.2: the SYN-ACK acknowledges the SYN's data");
        assertFalse(synAck.options().hasFastOpen(), "a valid cookie needs no new one (Linux sends none)");
        assertEquals(1, stat(h, Stat.TCP_FASTOPEN_PASSIVE));

        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s, "accept() returns the connection before the client's final ACK");
        assertEquals(TcpState.SYN_RECEIVED, s.state());
        byte[] buf = new byte[64];
        assertEquals(10, s.tryRead(buf, 0, 64), "the SYN's data is readable at once");
        assertEquals("abcdefghij", new String(buf, 0, 10, java.nio.charset.StandardCharsets.US_ASCII));

        // It may send before the handshake completes (Linux writes in SYN_RECV).
        assertEquals(100, s.tryWrite(new byte[100], 0, 100));
        TcpFastOpenClientTest.Out data = one(h);
        assertEquals(synAck.seq() + 1, data.seq());
        assertEquals(100, data.payload().length);
        assertEquals(CLIENT_ISS + 11, data.ack());

        client.send(PORT, CLIENT_ISS + 11, synAck.seq() + 101, ACK, 32792, -1, new byte[0]);
        sent(h);
        assertEquals(TcpState.ESTABLISHED, s.state());
        assertNull(l.accept(0, TimeUnit.NANOSECONDS), "the final ACK queues nothing a second time");
    }

    @Test
    void aCookieRequestGetsTheCookieAndItsDataIsIgnored() throws Exception {
        StackHarness h = harness(0x3);
        TcpListener l = listen(h, 16);
        TcpPeer client = new TcpPeer(h, 40001);
        syn(client, new byte[0], 10, false);
        TcpFastOpenClientTest.Out synAck = one(h);
        assertEquals(CLIENT_ISS + 1, synAck.ack(), "data without a valid cookie is not acknowledged");
        assertEquals(HEX.formatHex(VALID), synAck.cookie(), "RFC 7413 4.1.2: the SYN-ACK carries the cookie");
        assertEquals(1, stat(h, Stat.TCP_FASTOPEN_COOKIE_REQD));
        assertNull(l.accept(0, TimeUnit.NANOSECONDS), "an ordinary handshake: nothing to accept yet");
        client.send(PORT, CLIENT_ISS + 1, synAck.seq() + 1, ACK, 32792, -1, new byte[0]);
        assertNotNull(l.accept(0, TimeUnit.NANOSECONDS));
    }

    @Test
    void aWrongCookieIsAnsweredWithTheRightOneAndANormalHandshake() throws Exception {
        StackHarness h = harness(0x3);
        TcpListener l = listen(h, 16);
        TcpPeer client = new TcpPeer(h, 40002);
        syn(client, HEX.parseHex("0000000000000000"), 10, false);
        TcpFastOpenClientTest.Out synAck = one(h);
        assertEquals(CLIENT_ISS + 1, synAck.ack());
        assertEquals(HEX.formatHex(VALID), synAck.cookie());
        assertEquals(1, stat(h, Stat.TCP_FASTOPEN_PASSIVE_FAIL));
        assertEquals(0, stat(h, Stat.TCP_FASTOPEN_PASSIVE));
        assertNull(l.accept(0, TimeUnit.NANOSECONDS));
    }

    @Test
    void theCookieDependsOnTheKey() throws Exception {
        StackHarness h = harness(0x3);
        h.stack.config().tcpFastopenKey = HEX.parseHex("00000000000000000000000000000001");
        listen(h, 16);
        syn(new TcpPeer(h, 40003), VALID, 10, false);
        TcpFastOpenClientTest.Out synAck = one(h);
        assertEquals(CLIENT_ISS + 1, synAck.ack(), "the cookie of another key is not valid");
        assertFalse(HEX.formatHex(VALID).equals(synAck.cookie()));
    }

    @Test
    void theExperimentalOptionIsAnsweredInKind() throws Exception {
        StackHarness h = harness(0x3);
        listen(h, 16);
        syn(new TcpPeer(h, 40004), new byte[0], 0, true);
        TcpFastOpenClientTest.Out synAck = one(h);
        assertTrue(synAck.options().fastOpenExperimental(), "the cookie goes back as kind 254, magic 0xF989");
        assertEquals(HEX.formatHex(VALID), synAck.cookie());
        h.transmitted();
        syn(new TcpPeer(h, 40005), VALID, 5, true);
        assertEquals(CLIENT_ISS + 6, one(h).ack(), "a valid cookie in the experimental option is accepted");
    }

    @Test
    void aListenerWithoutTcpFastOpenIgnoresTheOption() throws Exception {
        StackHarness h = harness(0x3);
        listen(h, 0);
        syn(new TcpPeer(h, 40006), VALID, 10, false);
        TcpFastOpenClientTest.Out synAck = one(h);
        assertEquals(CLIENT_ISS + 1, synAck.ack());
        assertFalse(synAck.options().hasFastOpen());
        assertEquals(0, stat(h, Stat.TCP_FASTOPEN_PASSIVE));
    }

    @Test
    void withTheServerBitOffNothingIsAccepted() throws Exception {
        StackHarness h = harness(0x1);
        listen(h, 16);
        syn(new TcpPeer(h, 40007), VALID, 10, false);
        assertEquals(CLIENT_ISS + 1, one(h).ack());
    }

    @Test
    void bit0x400EnablesEveryListenerWithItsBacklogAsTheQueue() throws Exception {
        StackHarness h = harness(0x2 | 0x400);
        h.stack.listenTcp(PORT, 8);
        syn(new TcpPeer(h, 40008), VALID, 10, false);
        assertEquals(CLIENT_ISS + 11, one(h).ack());
    }

    @Test
    void bit0x200AcceptsDataWithoutACookie() throws Exception {
        StackHarness h = harness(0x2 | 0x200);
        TcpListener l = listen(h, 16);
        syn(new TcpPeer(h, 40009), null, 10, false);
        assertEquals(CLIENT_ISS + 11, one(h).ack());
        assertNotNull(l.accept(0, TimeUnit.NANOSECONDS));
    }

    @Test
    void aFullFastOpenQueueFallsBackToANormalHandshake() throws Exception {
        StackHarness h = harness(0x3);
        listen(h, 1);
        syn(new TcpPeer(h, 40010), VALID, 10, false);
        assertEquals(CLIENT_ISS + 11, one(h).ack());
        syn(new TcpPeer(h, 40011), VALID, 10, false);
        TcpFastOpenClientTest.Out second = one(h);
        assertEquals(CLIENT_ISS + 1, second.ack(), "max_qlen 1: the second Fast Open SYN's data is not taken");
        assertEquals(1, stat(h, Stat.TCP_FASTOPEN_LISTEN_OVERFLOW));
    }

    @Test
    void theQueueFreesWhenTheHandshakeCompletes() throws Exception {
        StackHarness h = harness(0x3);
        listen(h, 1);
        TcpPeer first = new TcpPeer(h, 40012);
        syn(first, VALID, 10, false);
        TcpFastOpenClientTest.Out synAck = one(h);
        first.send(PORT, CLIENT_ISS + 11, synAck.seq() + 1, ACK, 32792, -1, new byte[0]);
        sent(h);
        syn(new TcpPeer(h, 40013), VALID, 10, false);
        assertEquals(CLIENT_ISS + 11, one(h).ack(), "the first connection left the Fast Open queue");
    }

    @Test
    void aValidCookieWithoutDataStillOpensAtOnce() throws Exception {
        StackHarness h = harness(0x3);
        TcpListener l = listen(h, 16);
        syn(new TcpPeer(h, 40014), VALID, 0, false);
        assertEquals(CLIENT_ISS + 1, one(h).ack());
        assertNotNull(l.accept(0, TimeUnit.NANOSECONDS), "Linux: a data-less SYN with a valid cookie is a Fast Open too");
    }

    @Test
    void aResetBeforeAcceptLeavesTheDataReadableThenTheError() throws Exception {
        StackHarness h = harness(0x3);
        TcpListener l = listen(h, 16);
        TcpPeer client = new TcpPeer(h, 40015);
        syn(client, VALID, 10, false);
        one(h);
        client.send(PORT, CLIENT_ISS + 11, 0, io.tapwire.wire.TcpSegment.RST, 0, -1, new byte[0]);
        sent(h);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s, "Linux keeps the reset Fast Open socket in the accept queue");
        assertTrue(s.tcb().fastOpenSynData(), "TCPI_OPT_SYN_DATA");
        assertEquals(10, s.tryRead(new byte[64], 0, 64));
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> s.tryRead(new byte[64], 0, 64));
        assertTrue(e.getMessage().contains("reset"), e.getMessage());
    }

    @Test
    void aResetAfterAcceptLeavesTheDataReadableThenTheError() throws Exception {
        // Linux (fastopen/server/reset-after-accept.pkt): tcp_reset does not purge the receive
        // queue and tcp_recvmsg copies queued data before it reports sk_err.
        StackHarness h = harness(0x3);
        TcpListener l = listen(h, 16);
        TcpPeer client = new TcpPeer(h, 40018);
        syn(client, VALID, 10, false);
        one(h);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s);
        client.send(PORT, CLIENT_ISS + 11, 0, io.tapwire.wire.TcpSegment.RST, 0, -1, new byte[0]);
        sent(h);
        assertEquals(10, s.tryRead(new byte[64], 0, 64), "the SYN's data, received before the reset");
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> s.tryRead(new byte[64], 0, 64));
        assertTrue(e.getMessage().contains("reset"), e.getMessage());
    }

    @Test
    void closingWithTheSynDataUnreadResets() throws Exception {
        StackHarness h = harness(0x3);
        TcpListener l = listen(h, 16);
        syn(new TcpPeer(h, 40016), VALID, 10, false);
        TcpFastOpenClientTest.Out synAck = one(h);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        s.close();
        TcpFastOpenClientTest.Out rst = one(h);
        assertTrue(rst.has(io.tapwire.wire.TcpSegment.RST), "RFC 2525 2.17: unread data lost means RST");
        assertEquals(synAck.seq() + 1, rst.seq());
    }

    @Test
    void aFinWithTheFinalAckIsAcknowledged() throws Exception {
        StackHarness h = harness(0x3);
        TcpListener l = listen(h, 16);
        TcpPeer client = new TcpPeer(h, 40017);
        syn(client, VALID, 10, false);
        TcpFastOpenClientTest.Out synAck = one(h);
        client.send(PORT, CLIENT_ISS + 11, synAck.seq() + 1, io.tapwire.wire.TcpSegment.FIN | ACK, 32792, -1, new byte[0]);
        TcpFastOpenClientTest.Out ack = one(h);
        assertEquals(CLIENT_ISS + 12, ack.ack());
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertEquals(TcpState.CLOSE_WAIT, s.state());
        assertEquals(10, s.tryRead(new byte[64], 0, 64));
        assertEquals(-1, s.tryRead(new byte[64], 0, 64));
    }

    @Test
    void aListenersOwnKeyReplacesTheStacks() throws Exception {
        StackHarness h = harness(0x3);
        h.stack.config().tcpFastopenKey = new byte[16];
        TcpListener l = listen(h, 16);
        l.setFastOpenKey(KEY);
        syn(new TcpPeer(h, 40018), VALID, 10, false);
        assertEquals(CLIENT_ISS + 11, one(h).ack(), "TCP_FASTOPEN_KEY: the cookie of the listener's key is valid");
    }
}
