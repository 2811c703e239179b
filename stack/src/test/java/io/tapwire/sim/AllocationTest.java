package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.UdpSocket;
import io.tapwire.udp.UdpLayer;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Icmpv4Packet;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;

import static io.tapwire.sim.StackHarness.PEER;
import static io.tapwire.sim.StackHarness.PEER_MAC;
import static io.tapwire.sim.StackHarness.US;
import static io.tapwire.sim.StackHarness.US_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * DESIGN.md principle 4, checked rather than believed: answering pings and echoing UDP allocates
 * nothing per packet once warm. Measured with the JVM's per-thread allocation counter, which counts
 * bytes, not time, so the assertion does not depend on the machine's speed.
 */
class AllocationTest {
    private static final int WARMUP = 20_000;
    private static final int MEASURED = 80_000;

    private static com.sun.management.ThreadMXBean threads() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "this JVM cannot count allocated bytes per thread");
        com.sun.management.ThreadMXBean t = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(t.isThreadAllocatedMemorySupported(), "this JVM cannot count allocated bytes per thread");
        t.setThreadAllocatedMemoryEnabled(true);
        return t;
    }

    @Test
    void icmpEchoPathAllocatesNothingPerPacket() {
        StackHarness h = new StackHarness(256, new StackConfig());
        h.introducePeer();
        byte[] frame = Frames.ethernet(US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4,
                Frames.ipv4(PEER, US, 1, 1, 0, 64, Frames.icmpEcho(Icmpv4Packet.TYPE_ECHO_REQUEST, 1, 1, 56)));
        ByteBuffer f = ByteBuffer.wrap(frame);
        com.sun.management.ThreadMXBean t = threads();
        run(h, f, WARMUP);
        long before = t.getCurrentThreadAllocatedBytes();
        int replies = run(h, f, MEASURED);
        long allocated = t.getCurrentThreadAllocatedBytes() - before;
        System.out.println("allocated " + allocated + " bytes over " + MEASURED + " packets");
        assertEquals(MEASURED, replies);
        assertTrue(allocated < MEASURED / 10, "allocated " + allocated + " bytes for " + MEASURED + " echo replies");
    }

    @Test
    void udpEchoPathAllocatesNothingPerPacket() throws Exception {
        StackHarness h = new StackHarness(256, new StackConfig());
        h.introducePeer();
        UdpSocket echo = h.stack.openUdp().bind(7);
        ByteBuffer scratch = ByteBuffer.allocateDirect(65536);
        UdpSocket.DatagramHandler handler = (src, srcPort, buf, len) -> echo.trySend(buf, 0, len, src, srcPort);
        echo.onReadable(() -> echo.drain(scratch, handler));
        byte[] frame = Frames.ethernet(US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4,
                Frames.ipv4(PEER, US, 17, 1, 0, 64, Frames.udp(PEER, US, 40000, 7, new byte[64])));
        ByteBuffer f = ByteBuffer.wrap(frame);
        com.sun.management.ThreadMXBean t = threads();
        run(h, f, WARMUP);
        long before = t.getCurrentThreadAllocatedBytes();
        int replies = run(h, f, MEASURED);
        long allocated = t.getCurrentThreadAllocatedBytes() - before;
        System.out.println("allocated " + allocated + " bytes over " + MEASURED + " packets");
        assertEquals(MEASURED, replies);
        assertTrue(allocated < MEASURED / 10, "allocated " + allocated + " bytes for " + MEASURED + " UDP echoes");
        echo.close();
    }

    /** Injects {@code n} copies of a frame in batches and counts the frames sent back. */
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
