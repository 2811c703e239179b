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
        StackConfig c = new StackConfig();
        c.replyBudget = 32; // batches of 32 echo requests per poll, each answered
        StackHarness h = new StackHarness(256, c);
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

    @Test
    void tcpBulkTransferAllocatesNothingPerSegment() throws Exception {
        io.tapwire.link.VirtualDevice devA = new io.tapwire.link.VirtualDevice("a", 1500, 256);
        io.tapwire.link.VirtualDevice devB = new io.tapwire.link.VirtualDevice("b", 1500, 256);
        io.tapwire.link.VirtualDevice.connect(devA, devB);
        io.tapwire.Stack a = new io.tapwire.Stack(devA, VirtualNet.config(VirtualNet.A_ADDR, VirtualNet.A_MAC, 1));
        io.tapwire.Stack b = new io.tapwire.Stack(devB, VirtualNet.config(VirtualNet.B_ADDR, VirtualNet.B_MAC, 2));
        io.tapwire.socket.TcpListener l = b.listenTcp(9, 4);
        io.tapwire.socket.TcpSocket client = a.connectTcp(VirtualNet.B_ADDR, 9);
        long[] now = {1_000_000_000L};
        Runnable turn = () -> {
            now[0] += 10_000;
            devA.doWork(now[0]);
            devB.doWork(now[0]);
            a.poll(now[0]);
            b.poll(now[0]);
        };
        for (int i = 0; i < 100; i++) {
            turn.run();
        }
        io.tapwire.socket.TcpSocket server = l.accept(0, java.util.concurrent.TimeUnit.NANOSECONDS);
        byte[] out = new byte[65536];
        byte[] in = new byte[65536];
        com.sun.management.ThreadMXBean t = threads();
        long[] moved = {0};
        java.util.function.IntConsumer pump = megabytes -> {
            long target = moved[0] + (long) megabytes * 1_000_000;
            try {
                while (moved[0] < target) {
                    client.tryWrite(out, 0, out.length);
                    turn.run();
                    int n;
                    while ((n = server.tryRead(in, 0, in.length)) > 0) {
                        moved[0] += n;
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        pump.accept(50);
        long before = t.getCurrentThreadAllocatedBytes();
        long segmentsBefore = a.statistics().get(io.tapwire.Stat.TCP_OUT_SEGS);
        pump.accept(100);
        long allocated = t.getCurrentThreadAllocatedBytes() - before;
        long segments = a.statistics().get(io.tapwire.Stat.TCP_OUT_SEGS) - segmentsBefore;
        System.out.println("allocated " + allocated + " bytes over " + segments + " TCP segments");
        assertTrue(segments > 60_000);
        assertTrue(allocated < segments / 10, "allocated " + allocated + " bytes for " + segments + " segments");
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
