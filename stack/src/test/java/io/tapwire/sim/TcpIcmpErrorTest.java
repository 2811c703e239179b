package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.Icmpv4Packet;
import io.tapwire.wire.Ipv4Packet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ICMP errors quoting our TCP segments (RFC 5927): believed only when they quote a sequence
 * number in flight; then "fragmentation needed" lowers the MSS (RFC 1191) and every other error
 * is soft. Forged ones, outside the flight, change nothing and are counted.
 */
class TcpIcmpErrorTest {
    private static final int PEER_ISS = 70_000;
    private static final int PEER_PORT = 40200;
    private StackHarness h;
    private TcpPeer p;
    private TcpSocket s;
    private int iss;

    @BeforeEach
    void establishWithDataInFlight() throws Exception {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 11;
        h = new StackHarness(256, c);
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        p = new TcpPeer(h, PEER_PORT);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        iss = p.one().seq();
        p.send(80, PEER_ISS + 1, iss + 1, ACK, 65535, -1, new byte[0]);
        s = l.accept(0, TimeUnit.NANOSECONDS);
        s.tryWrite(new byte[3000], 0, 3000);
        assertEquals(List.of(1460, 1460, 80), p.received().stream().map(x -> x.payload().length).toList());
        assertEquals(1460, s.tcpInfo().sndMss());
    }

    @AfterEach
    void accountingHolds() {
        Statistics st = h.stack.statistics();
        assertEquals(0, st.get(Stat.RX_INTERNAL_ERRORS));
        assertEquals(st.get(Stat.RX_FRAMES), st.get(Stat.RX_ACCEPTED) + st.get(Stat.RX_DROPPED));
        assertEquals(st.get(Stat.RX_DROPPED), st.drops().total());
    }

    @Test
    void fragmentationNeededForASegmentInFlightLowersTheMss() throws Exception {
        icmp(Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.CODE_FRAGMENTATION_NEEDED, 1000, 80, PEER_PORT, iss + 1 + 1460);
        assertEquals(1000 - 40, s.tcpInfo().sndMss());
        assertEquals(0, h.stack.statistics().get(DropReason.TCP_ICMP_OUT_OF_WINDOW));
        // The flight was lost at the old size: all of it is resent at once in segments that fit
        // (Linux's tcp_simple_retransmit), the short last one too: Nagle holds back new data
        // only, never a retransmission (Linux's tcp_retransmit_skb has no tcp_nagle_test).
        assertEquals(List.of(960, 960, 960, 120), p.received().stream().map(x -> x.payload().length).toList());
        assertEquals(4, h.stack.statistics().get(Stat.TCP_RETRANS_SEGS));
        assertEquals(1, h.stack.statistics().get(Stat.TCP_PMTU_REDUCTIONS));
        // New data goes out in segments that fit the reported MTU.
        p.send(80, PEER_ISS + 1, iss + 1 + 3000, ACK, 65535, -1, new byte[0]);
        s.tryWrite(new byte[2000], 0, 2000);
        assertEquals(List.of(960, 960, 80), p.received().stream().map(x -> x.payload().length).toList());
    }

    @Test
    void reportedMtuBelowLinuxsMinPmtuIsTakenAs552() {
        icmp(Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.CODE_FRAGMENTATION_NEEDED, 68, 80, PEER_PORT, iss + 1);
        assertEquals(552 - 40, s.tcpInfo().sndMss());
    }

    @Test
    void fragmentationNeededReportingALargerMtuChangesNothing() {
        icmp(Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.CODE_FRAGMENTATION_NEEDED, 9000, 80, PEER_PORT, iss + 1);
        assertEquals(1460, s.tcpInfo().sndMss());
    }

    @Test
    void fragmentationNeededQuotingASequenceNeverSentIsIgnoredAndCounted() {
        icmp(Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.CODE_FRAGMENTATION_NEEDED, 576, 80, PEER_PORT, iss + 1 + 3000);
        icmp(Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.CODE_FRAGMENTATION_NEEDED, 576, 80, PEER_PORT, iss + 1_000_000);
        assertEquals(1460, s.tcpInfo().sndMss());
        assertEquals(2, h.stack.statistics().get(DropReason.TCP_ICMP_OUT_OF_WINDOW));
    }

    @Test
    void fragmentationNeededQuotingAnAcknowledgedSequenceIsIgnoredAndCounted() {
        p.send(80, PEER_ISS + 1, iss + 1 + 1460, ACK, 65535, -1, new byte[0]);
        icmp(Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.CODE_FRAGMENTATION_NEEDED, 576, 80, PEER_PORT, iss + 1);
        assertEquals(1460, s.tcpInfo().sndMss());
        assertEquals(1, h.stack.statistics().get(DropReason.TCP_ICMP_OUT_OF_WINDOW));
    }

    @Test
    void hardErrorsInsideTheFlightAreSoftAndTheConnectionLives() {
        icmp(Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.CODE_PORT_UNREACHABLE, 0, 80, PEER_PORT, iss + 1);
        icmp(Icmpv4Packet.TYPE_DEST_UNREACHABLE, 1, 0, 80, PEER_PORT, iss + 1);           // host unreachable
        icmp(Icmpv4Packet.TYPE_TIME_EXCEEDED, 0, 0, 80, PEER_PORT, iss + 1);
        assertEquals(TcpState.ESTABLISHED, s.state());
        assertEquals(1460, s.tcpInfo().sndMss());
        assertEquals(3, h.stack.statistics().get(DropReason.ICMP_UNHANDLED));
        assertEquals(0, h.stack.statistics().get(DropReason.TCP_ICMP_OUT_OF_WINDOW));
    }

    @Test
    void errorsAboutAConnectionWeDoNotHaveAreDropped() {
        icmp(Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.CODE_FRAGMENTATION_NEEDED, 576, 80, PEER_PORT + 1, iss + 1);
        assertEquals(1460, s.tcpInfo().sndMss());
        assertEquals(1, h.stack.statistics().get(DropReason.ICMP_UNHANDLED));
        assertTrue(h.transmitted().isEmpty(), "nothing is sent in answer to an ICMP error");
    }

    /**
     * Injects an ICMP error from the peer quoting the IP header and first 8 bytes of a TCP segment
     * {@code srcPort -> dstPort} with sequence number {@code seq} that we supposedly sent.
     */
    private void icmp(int type, int code, int nextHopMtu, int srcPort, int dstPort, int seq) {
        ByteBuffer tcp = ByteBuffer.allocate(20);
        tcp.putShort(0, (short) srcPort);
        tcp.putShort(2, (short) dstPort);
        tcp.putInt(4, seq);
        tcp.put(12, (byte) 0x50);
        tcp.put(13, (byte) ACK);
        byte[] quotedIp = Frames.ipv4(StackHarness.US, StackHarness.PEER, Ipv4Packet.PROTO_TCP, 1, Ipv4Packet.FLAG_DF, 64,
                tcp.array());
        // RFC 792 quotes the header and 8 bytes; the total length still says 40.
        int quoted = Ipv4Packet.MIN_HEADER_LENGTH + 8;
        ByteBuffer b = ByteBuffer.allocate(Icmpv4Packet.HEADER_LENGTH + quoted);
        b.put(Icmpv4Packet.HEADER_LENGTH, quotedIp, 0, quoted);
        Icmpv4Packet e = new Icmpv4Packet().wrapForWrite(b, 0, b.capacity());
        e.setType(type);
        e.setCode(code);
        e.setRest(nextHopMtu & 0xFFFF);
        e.fillChecksum();
        h.injectIp(Frames.ipv4(StackHarness.PEER, StackHarness.US, Ipv4Packet.PROTO_ICMP, 2, 0, 64, b.array()));
    }
}
