package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.wire.Icmpv4Packet;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.TcpSegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * ICMP errors about a passive open still in SYN-RECEIVED (a request, no socket yet), as Linux's
 * tcp_v4_err and tcp_req_err treat them: net or host unreachable, time exceeded and parameter
 * problem quoting the SYN-ACK drop the request silently, so the peer's ACK then meets a RST;
 * other codes, or a quoted sequence number other than the SYN-ACK's, leave it to complete.
 */
class TcpIcmpRequestTest {
    private static final int PEER_ISS = 70_000;
    private static final int PEER_PORT = 40300;
    private StackHarness h;
    private TcpListener l;
    private TcpPeer p;
    private int iss;

    @BeforeEach
    void synReceived() throws Exception {
        synReceived(true);
    }

    private void synReceived(boolean requestDrop) throws Exception {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 11;
        c.tcpIcmpRequestDrop = requestDrop;
        h = new StackHarness(256, c);
        h.introducePeer();
        l = h.stack.listenTcp(80, 8);
        p = new TcpPeer(h, PEER_PORT);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        assertEquals(SYN | ACK, synAck.flags());
        iss = synAck.seq();
    }

    private TcpPeer.Seg ackTheSynAck() {
        p.send(80, PEER_ISS + 1, iss + 1, ACK, 65535, -1, new byte[0]);
        var r = p.received();
        return r.isEmpty() ? null : r.get(0);
    }

    @Test
    void hostUnreachableQuotingTheSynAckDropsTheRequest() throws Exception {
        icmp(Icmpv4Packet.TYPE_DEST_UNREACHABLE, 1, iss);
        assertEquals(1, h.stack.statistics().get(Stat.TCP_LISTEN_DROPS), "counted as Linux's ListenDrops");
        TcpPeer.Seg reply = ackTheSynAck();
        assertNotNull(reply, "the ACK for a dropped request is answered");
        assertEquals(TcpSegment.RST, reply.flags() & TcpSegment.RST);
        assertNull(l.accept(0, TimeUnit.NANOSECONDS), "nothing to accept");
    }

    @Test
    void timeExceededDropsItToo() throws Exception {
        icmp(11, 0, iss);
        TcpPeer.Seg reply = ackTheSynAck();
        assertNotNull(reply);
        assertEquals(TcpSegment.RST, reply.flags() & TcpSegment.RST);
        assertNull(l.accept(0, TimeUnit.NANOSECONDS));
    }

    @Test
    void withFreeBsdsSettingAFirstHostUnreachableLeavesTheRequest() throws Exception {
        synReceived(false);
        icmp(Icmpv4Packet.TYPE_DEST_UNREACHABLE, 1, iss);
        assertEquals(0, h.stack.statistics().get(Stat.TCP_LISTEN_DROPS));
        assertNull(ackTheSynAck());
        assertNotNull(l.accept(0, TimeUnit.NANOSECONDS), "syncache_unreach only marks the entry");
    }

    @Test
    void portUnreachableLeavesTheRequestToComplete() throws Exception {
        icmp(Icmpv4Packet.TYPE_DEST_UNREACHABLE, 3, iss);
        assertEquals(0, h.stack.statistics().get(Stat.TCP_LISTEN_DROPS));
        assertNull(ackTheSynAck(), "the handshake completes silently");
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s, "tcp_req_err does not abort for port unreachable");
    }

    @Test
    void anErrorQuotingAnotherSequenceIsOutOfWindow() throws Exception {
        icmp(Icmpv4Packet.TYPE_DEST_UNREACHABLE, 1, iss + 5);
        assertEquals(1, h.stack.statistics().get(DropReason.TCP_ICMP_OUT_OF_WINDOW), "Linux's OutOfWindowIcmps");
        assertNull(ackTheSynAck());
        assertNotNull(l.accept(0, TimeUnit.NANOSECONDS), "the request survived");
    }

    /** An ICMP error from the peer quoting our segment 80 -> PEER_PORT with sequence number {@code seq}. */
    private void icmp(int type, int code, int seq) {
        ByteBuffer tcp = ByteBuffer.allocate(20);
        tcp.putShort(0, (short) 80);
        tcp.putShort(2, (short) PEER_PORT);
        tcp.putInt(4, seq);
        tcp.put(12, (byte) 0x50);
        tcp.put(13, (byte) (SYN | ACK));
        byte[] quotedIp = Frames.ipv4(StackHarness.US, StackHarness.PEER, Ipv4Packet.PROTO_TCP, 1, Ipv4Packet.FLAG_DF, 64,
                tcp.array());
        int quoted = Ipv4Packet.MIN_HEADER_LENGTH + 8;
        ByteBuffer b = ByteBuffer.allocate(Icmpv4Packet.HEADER_LENGTH + quoted);
        b.put(Icmpv4Packet.HEADER_LENGTH, quotedIp, 0, quoted);
        Icmpv4Packet e = new Icmpv4Packet().wrapForWrite(b, 0, b.capacity());
        e.setType(type);
        e.setCode(code);
        e.fillChecksum();
        h.injectIp(Frames.ipv4(StackHarness.PEER, StackHarness.US, Ipv4Packet.PROTO_ICMP, 2, 0, 64, b.array()));
    }
}
