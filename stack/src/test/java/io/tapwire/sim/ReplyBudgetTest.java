package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Icmpv4Packet;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.TcpSegment;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tapwire.sim.StackHarness.PEER;
import static io.tapwire.sim.StackHarness.PEER_MAC;
import static io.tapwire.sim.StackHarness.US;
import static io.tapwire.sim.StackHarness.US_MAC;
import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.RST;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stateless-reply budget ({@link StackConfig#replyBudget}), on virtual time: a batch of
 * frames taken in one poll gets at most that many RSTs, echo replies and SYN-ACK cookies; the rest
 * are dropped and counted in {@link Stat#TX_REPLY_BUDGET_DROPS} while every frame is still
 * received and counted as before. The next poll's budget is whole again, and a connection's own
 * segments are never held to it.
 */
class ReplyBudgetTest {
    private static final long MS = 1_000_000L;
    private static final int CLOSED_PORT = 81;

    private static StackHarness harness(StackConfig c) {
        c.tcpIsnSecret = 42;
        StackHarness h = new StackHarness(1024, c);
        h.introducePeer();
        return h;
    }

    /** A TCP frame from the peer, queued on the RX ring without polling (one batch). */
    private static void queueTcp(StackHarness h, int srcPort, int dstPort, int seq, int ack, int flags, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        TcpSegment s = new TcpSegment().wrapForWrite(b, 0, b.capacity());
        s.setSrcPort(srcPort);
        s.setDstPort(dstPort);
        s.setSeq(seq);
        s.setAck(ack);
        s.setHeaderLength(20);
        s.setFlags(flags);
        s.setWindow(65535);
        b.put(20, payload);
        s.fillChecksum(PEER, US);
        queue(h, Frames.ipv4(PEER, US, Ipv4Packet.PROTO_TCP, 1, 0, 64, b.array()));
    }

    private static void queueEcho(StackHarness h, int seq) {
        queue(h, Frames.ipv4(PEER, US, Ipv4Packet.PROTO_ICMP, seq, 0, 64, Frames.icmpEcho(Icmpv4Packet.TYPE_ECHO_REQUEST, 7, seq, 56)));
    }

    private static void queue(StackHarness h, byte[] ipPacket) {
        if (!h.dev.inject(Frames.ethernet(US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4, ipPacket), h.now)) {
            throw new AssertionError("RX ring full");
        }
    }

    private static long count(List<byte[]> frames, int protocol, int tcpFlags) {
        return frames.stream().filter(f -> (f[14 + Ipv4Packet.PROTOCOL] & 0xFF) == protocol)
                .filter(f -> protocol != Ipv4Packet.PROTO_TCP || (f[14 + 20 + 13] & tcpFlags) == tcpFlags).count();
    }

    @Test
    void aBatchOfSegmentsToAClosedPortGetsAtMostTheBudgetOfRsts() {
        StackConfig c = new StackConfig();
        assertEquals(16, c.replyBudget, "the default budget");
        StackHarness h = harness(c);
        for (int i = 0; i < 64; i++) {
            queueTcp(h, 30000 + i, CLOSED_PORT, 1000, 5000 + i, ACK, new byte[0]);
        }
        List<byte[]> out = h.transmitted(); // one poll: the batch of 64 (rxBudget)
        assertEquals(16, count(out, Ipv4Packet.PROTO_TCP, RST), "RSTs for the batch");
        assertEquals(16, out.size(), "nothing else was sent");
        assertEquals(48, h.stack.statistics().get(Stat.TX_REPLY_BUDGET_DROPS));
        assertEquals(16, h.stack.statistics().get(Stat.TCP_OUT_RSTS));
        // Every segment was still received and accounted for as one without a socket.
        assertEquals(64, h.stack.statistics().drops().get(DropReason.TCP_NO_SOCKET));
        assertEquals(64, h.stack.statistics().get(Stat.TCP_IN_SEGS));

        // The next poll has a whole budget again: a batch within it is answered in full.
        h.advance(1 * MS);
        for (int i = 0; i < 16; i++) {
            queueTcp(h, 31000 + i, CLOSED_PORT, 1000, 7000 + i, ACK, new byte[0]);
        }
        assertEquals(16, count(h.transmitted(), Ipv4Packet.PROTO_TCP, RST), "a batch of 16: every RST sent");
        assertEquals(48, h.stack.statistics().get(Stat.TX_REPLY_BUDGET_DROPS), "no more drops");
    }

    @Test
    void aSmallerBudgetIsHonouredAndRefusedBelowOne() {
        StackConfig c = new StackConfig();
        c.replyBudget = 3;
        StackHarness h = harness(c);
        for (int i = 0; i < 10; i++) {
            queueTcp(h, 30000 + i, CLOSED_PORT, 1000 + i, 0, SYN, new byte[0]);
        }
        List<byte[]> out = h.transmitted();
        assertEquals(3, count(out, Ipv4Packet.PROTO_TCP, RST | ACK), "a RST+ACK per SYN, three of them");
        assertEquals(7, h.stack.statistics().get(Stat.TX_REPLY_BUDGET_DROPS));

        StackConfig zero = new StackConfig();
        zero.replyBudget = 0;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StackHarness(16, zero));
        assertTrue(e.getMessage().contains("replyBudget must be at least 1, got 0"), e.getMessage());
    }

    @Test
    void aBatchOfEchoRequestsGetsAtMostTheBudgetOfReplies() {
        StackHarness h = harness(new StackConfig());
        for (int i = 0; i < 40; i++) {
            queueEcho(h, i);
        }
        List<byte[]> out = h.transmitted();
        assertEquals(16, count(out, Ipv4Packet.PROTO_ICMP, 0), "echo replies for the batch");
        assertEquals(16, out.size());
        assertEquals(40, h.stack.statistics().get(Stat.ICMP_IN_ECHOS), "every request received");
        assertEquals(16, h.stack.statistics().get(Stat.ICMP_OUT_ECHO_REPS));
        assertEquals(24, h.stack.statistics().get(Stat.TX_REPLY_BUDGET_DROPS));
        // The replies that went out answer the first requests of the batch, in order.
        for (int i = 0; i < 16; i++) {
            ByteBuffer f = ByteBuffer.wrap(out.get(i));
            assertEquals(Icmpv4Packet.TYPE_ECHO_REPLY, f.get(14 + 20) & 0xFF);
            assertEquals(i, f.getShort(14 + 20 + 6) & 0xFFFF, "sequence of reply " + i);
        }

        // A ping on its own, the next millisecond: answered.
        h.advance(1 * MS);
        queueEcho(h, 99);
        assertEquals(1, count(h.transmitted(), Ipv4Packet.PROTO_ICMP, 0));
    }

    @Test
    void aBatchOfSynsWithCookiesAlwaysGetsAtMostTheBudgetOfSynAcks() throws Exception {
        StackConfig c = new StackConfig();
        c.tcpSyncookies = 2; // every SYN answered with a cookie, statelessly
        StackHarness h = harness(c);
        h.stack.listenTcp(80, 128);
        for (int i = 0; i < 64; i++) {
            queueTcp(h, 30000 + i, 80, 1000 + i, 0, SYN, new byte[0]);
        }
        List<byte[]> out = h.transmitted();
        assertEquals(16, count(out, Ipv4Packet.PROTO_TCP, SYN | ACK), "cookie SYN-ACKs for the batch");
        assertEquals(16, h.stack.statistics().get(Stat.TCP_SYNCOOKIES_SENT));
        assertEquals(48, h.stack.statistics().get(Stat.TX_REPLY_BUDGET_DROPS));
    }

    @Test
    void aConnectionsSegmentsAreAnsweredBehindAFloodThatSpentTheBudget() throws Exception {
        StackHarness h = harness(new StackConfig());
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40000);
        p.send(80, 5000, 0, SYN, 65535, 1460, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        p.send(80, 5001, synAck.seq() + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s);
        p.received();

        // One batch: 63 flood ACKs to a closed port (their RSTs spend the budget), then the
        // connection's data with PSH. Its ACK is not a stateless reply and goes out.
        h.advance(1 * MS);
        for (int i = 0; i < 63; i++) {
            queueTcp(h, 20000 + i, CLOSED_PORT, 1000, 9000 + i, ACK, new byte[0]);
        }
        byte[] data = "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        queueTcp(h, 40000, 80, 5001, synAck.seq() + 1, ACK | TcpSegment.PSH, data);
        h.stack.poll(h.now);
        assertEquals(47, h.stack.statistics().get(Stat.TX_REPLY_BUDGET_DROPS), "the flood spent the budget");
        h.advance(200 * MS); // the delayed ACK, if it waits
        List<TcpPeer.Seg> segs = p.received();
        assertTrue(segs.stream().anyMatch(g -> g.dstPort() == 40000 && g.has(ACK) && g.ack() == 5001 + data.length),
                "the connection's data was acknowledged: " + segs);
        byte[] got = new byte[data.length];
        assertEquals(data.length, s.tryRead(got, 0, got.length));
        assertArrayEquals(data, got);
    }
}
