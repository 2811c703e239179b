package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.Icmpv4Packet;
import io.tapwire.wire.Ipv4Packet;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ICMP errors about our SYN (RFC 5927 section 4.1: believed only when they quote SND.UNA =<
 * SEQ < SND.MAX): Linux's tcp_v4_err ends the attempt on any of them (tcpIcmpSynSentAbort 2),
 * FreeBSD's icmp_may_rst=1 only on the hard ones (1), icmp_may_rst=0 on none (0).
 */
class TcpIcmpSynSentTest {
    private static final int PORT = 8080;

    private record Attempt(StackHarness h, TcpSocket socket, int localPort, int iss) {
    }

    private static Attempt connect(int mode) {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 42;
        c.tcpIcmpSynSentAbort = mode;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        TcpSocket s = h.stack.connectTcp(StackHarness.PEER, PORT);
        TcpPeer.Seg syn = new TcpPeer(h, PORT).one();
        assertEquals(SYN, syn.flags());
        return new Attempt(h, s, syn.srcPort(), syn.seq());
    }

    private static void icmp(Attempt a, int type, int code, int seq) {
        ByteBuffer tcp = ByteBuffer.allocate(20);
        tcp.putShort(0, (short) a.localPort());
        tcp.putShort(2, (short) PORT);
        tcp.putInt(4, seq);
        tcp.put(12, (byte) 0x50);
        tcp.put(13, (byte) SYN);
        byte[] quotedIp = Frames.ipv4(StackHarness.US, StackHarness.PEER, Ipv4Packet.PROTO_TCP, 1, Ipv4Packet.FLAG_DF, 64, tcp.array());
        int quoted = Ipv4Packet.MIN_HEADER_LENGTH + 8;
        ByteBuffer b = ByteBuffer.allocate(Icmpv4Packet.HEADER_LENGTH + quoted);
        b.put(Icmpv4Packet.HEADER_LENGTH, quotedIp, 0, quoted);
        Icmpv4Packet e = new Icmpv4Packet().wrapForWrite(b, 0, b.capacity());
        e.setType(type);
        e.setCode(code);
        e.setRest(0);
        e.fillChecksum();
        a.h().injectIp(Frames.ipv4(StackHarness.PEER, StackHarness.US, Ipv4Packet.PROTO_ICMP, 2, 0, 64, b.array()));
    }

    private static IOException failure(Attempt a) {
        assertEquals(TcpState.CLOSED, a.socket().state(), "the attempt ended");
        return assertThrows(IOException.class, () -> a.socket().awaitConnected(0, TimeUnit.NANOSECONDS));
    }

    @Test
    void linuxEndsTheAttemptOnHostUnreachableWithEhostunreach() {
        Attempt a = connect(2);
        icmp(a, 3, 1, a.iss());
        IOException e = failure(a);
        assertTrue(e instanceof NoRouteToHostException && e.getMessage().contains("EHOSTUNREACH"), e.toString());
    }

    @Test
    void linuxEndsTheAttemptOnPortUnreachableWithEconnrefused() {
        Attempt a = connect(2);
        icmp(a, 3, 3, a.iss());
        assertTrue(failure(a) instanceof ConnectException);
    }

    @Test
    void anErrorQuotingASequenceNotInFlightIsIgnored() {
        Attempt a = connect(2);
        icmp(a, 3, 3, a.iss() - 1);
        icmp(a, 3, 3, a.iss() + 1);
        assertEquals(TcpState.SYN_SENT, a.socket().state(), "RFC 5927 4.1: SND.UNA =< SEQ < SND.MAX only");
    }

    @Test
    void freeBsdMayRstEndsItOnlyOnHardErrors() {
        Attempt a = connect(1);
        icmp(a, 3, 1, a.iss());   // host unreachable: soft
        icmp(a, 3, 0, a.iss());   // net unreachable: soft
        icmp(a, 11, 1, a.iss());  // reassembly time exceeded: soft
        assertEquals(TcpState.SYN_SENT, a.socket().state());
        icmp(a, 3, 13, a.iss());  // communication administratively prohibited: hard
        assertTrue(failure(a) instanceof ConnectException, "ECONNREFUSED");
        Attempt b = connect(1);
        icmp(b, 11, 0, b.iss());  // TTL exceeded in transit: hard, EHOSTUNREACH
        assertTrue(failure(b) instanceof NoRouteToHostException);
    }

    @Test
    void withoutMayRstEverythingIsSoft() {
        Attempt a = connect(0);
        for (int code : new int[] {0, 1, 2, 3, 9, 10, 13}) {
            icmp(a, 3, code, a.iss());
        }
        icmp(a, 11, 0, a.iss());
        assertEquals(TcpState.SYN_SENT, a.socket().state());
        a.h().advance(1_100_000_000L);
        assertEquals(SYN, new TcpPeer(a.h(), PORT).one().flags(), "the SYN is retransmitted as usual");
    }
}
