package io.tapwire.sim;

import io.tapwire.socket.UdpSocket;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv6Packet;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The IPv6 twin of {@link AllocationTest}: answering ping -6 and echoing UDP over IPv6 allocates nothing per packet once warm. */
class Ipv6AllocationTest {
    /** Longer than AllocationTest's: the first test of a fresh JVM otherwise measures some of the JIT's own warm-up. */
    private static final int WARMUP = 60_000;
    private static final int MEASURED = 80_000;

    private static com.sun.management.ThreadMXBean threads() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "this JVM cannot count allocated bytes per thread");
        com.sun.management.ThreadMXBean t = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(t.isThreadAllocatedMemorySupported(), "this JVM cannot count allocated bytes per thread");
        t.setThreadAllocatedMemoryEnabled(true);
        return t;
    }

    private static Ipv6Peer peer() {
        // Batches of 32 echo requests per poll, each answered: the reply budget covers the batch.
        Ipv6Peer p = new Ipv6Peer(c -> c.replyBudget = 32).started();
        p.solicitUs();
        p.sent();
        return p;
    }

    private static byte[] frame(byte[] ip) {
        return Frames.ethernet(StackHarness.US_MAC, StackHarness.PEER_MAC, EthernetFrame.TYPE_IPV6, ip);
    }

    @Test
    void icmpv6EchoPathAllocatesNothingPerPacket() {
        Ipv6Peer p = peer();
        ByteBuffer f = ByteBuffer.wrap(frame(Ipv6Peer.ipv6(Ipv6Peer.PEER, Ipv6Peer.US, Ipv6Packet.NH_ICMPV6, 64,
                Ipv6Peer.echoRequest(Ipv6Peer.PEER, Ipv6Peer.US, 1, 1, 56))));
        measure(p.h, f, "ICMPv6 echo replies");
    }

    @Test
    void udpEchoOverIpv6AllocatesNothingPerPacket() throws Exception {
        Ipv6Peer p = peer();
        UdpSocket echo = p.h.stack.openUdp().bind(7);
        ByteBuffer scratch = ByteBuffer.allocateDirect(65536);
        UdpSocket.DatagramHandler handler = new UdpSocket.DatagramHandler() {
            @Override
            public void onDatagram(int src, int srcPort, ByteBuffer buf, int len) {
                throw new AssertionError("an IPv6 datagram reported as IPv4");
            }

            @Override
            public void onDatagram6(io.tapwire.wire.Ipv6Address src, int srcPort, ByteBuffer buf, int len) throws java.io.IOException {
                echo.trySend(buf, 0, len, src, srcPort);
            }
        };
        echo.onReadable(() -> echo.drain(scratch, handler));
        ByteBuffer f = ByteBuffer.wrap(frame(Ipv6Peer.ipv6(Ipv6Peer.PEER, Ipv6Peer.US, Ipv6Packet.NH_UDP, 64,
                Udp6SimulationTest.udp6(Ipv6Peer.PEER, Ipv6Peer.US, 40000, 7, new byte[64]))));
        measure(p.h, f, "UDP echoes over IPv6");
        echo.close();
    }

    private static void measure(StackHarness h, ByteBuffer f, String what) {
        com.sun.management.ThreadMXBean t = threads();
        run(h, f, WARMUP);
        long before = t.getCurrentThreadAllocatedBytes();
        int replies = run(h, f, MEASURED);
        long allocated = t.getCurrentThreadAllocatedBytes() - before;
        System.out.println("allocated " + allocated + " bytes over " + MEASURED + " packets");
        assertEquals(MEASURED, replies);
        // Under a byte per packet: any object allocated per packet costs at least 16 bytes, while a
        // fresh JVM's JIT can still account a few KiB once (deoptimization) after any warm-up.
        assertTrue(allocated < MEASURED, "allocated " + allocated + " bytes for " + MEASURED + " " + what);
    }

    private static int run(StackHarness h, ByteBuffer frame, int n) {
        int sent = 0;
        var tx = h.dev.txRing();
        for (int i = 0; i < n; i += 32) {
            for (int k = 0; k < 32; k++) {
                h.dev.inject(frame, 0, frame.capacity(), h.now);
            }
            h.stack.poll(h.now);
            io.tapwire.link.Descriptor d;
            while ((d = tx.peek()) != null) {
                tx.consume(d);
                sent++;
            }
        }
        return sent;
    }
}
