package io.tapwire.jmh;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The per-packet benchmark operations allocate nothing once warm (DESIGN.md principle 4), counted
 * with the JVM's per-thread allocation counter as {@code -prof gc} counts it, but without JMH's
 * own bookkeeping in the figure. Bytes, not time: the outcome does not depend on the machine.
 */
class PerPacketAllocationTest {
    private static final int WARMUP = 20_000;
    private static final int MEASURED = 20_000;

    interface Op {
        void run() throws Exception;
    }

    private static long bytesPerOp(Op op) throws Exception {
        return bytesPerOp(op, WARMUP);
    }

    private static long bytesPerOp(Op op, int warmup) throws Exception {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "this JVM cannot count allocated bytes per thread");
        com.sun.management.ThreadMXBean t = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(t.isThreadAllocatedMemorySupported(), "this JVM cannot count allocated bytes per thread");
        t.setThreadAllocatedMemoryEnabled(true);
        for (int i = 0; i < warmup; i++) {
            op.run();
        }
        long before = t.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < MEASURED; i++) {
            op.run();
        }
        long allocated = t.getCurrentThreadAllocatedBytes() - before;
        System.out.println("allocated " + allocated + " bytes over " + MEASURED + " operations");
        return allocated;
    }

    /** Less than one byte per ten operations: no allocation per packet. */
    private static void assertNoAllocationPerOp(String what, long allocated) {
        assertTrue(allocated < MEASURED / 10, what + " allocated " + allocated + " bytes over " + MEASURED + " operations");
    }

    /**
     * Among 1,000 connections the warm-up is longer: until every connection has had data, the
     * stack still creates each one's delayed-ACK timer on first use (Tcb.delackTimer), its
     * TimerQueue grows to the high-water mark of armed timers (TimerQueue.arm), and the
     * BufferPool gets its first receive array. All three happen once, not per packet. The pure
     * ACK warms up as long as the data segment does: with 20,000 warm-up ACKs the measured run
     * still caught allocations of code not yet compiled by C2 (2,192 bytes once in CI, 336 on a
     * rerun; escape analysis removes them once the ACK path is compiled), a one-time effect too.
     */
    @Test
    void demuxAmongThousandConnectionsAllocatesNothing() throws Exception {
        DemuxBenchmark b = new DemuxBenchmark();
        b.connections = 1000;
        b.setup();
        assertNoAllocationPerOp("pure ACK", bytesPerOp(b::pureAck, 200_000));
        assertNoAllocationPerOp("data segment", bytesPerOp(b::dataSegment, 200_000));
        b.check();
    }

    @Test
    void tcpInputAllocatesNothing() throws Exception {
        TcpInputBenchmark b = new TcpInputBenchmark();
        b.setup();
        assertNoAllocationPerOp("one segment per poll", bytesPerOp(b::oneSegment));
        b.check();
    }

    @Test
    void tcpOutputAllocatesNothing() throws Exception {
        for (int size : new int[] {1448, 65536}) {
            TcpOutputBenchmark b = new TcpOutputBenchmark();
            b.size = size;
            b.setup();
            assertNoAllocationPerOp("a write of " + size + " bytes", bytesPerOp(b::write));
            b.check();
        }
    }

    /**
     * A round trip runs both stacks' whole receive and send paths, the longest code of these tests
     * to reach C2: after 20,000 warm-up echoes one CI run (2 CPUs, Maven beside it) still measured
     * 2,400 bytes over the 20,000 measured ones, 0.12 a packet, while every other run measured 0.
     * So it warms up as long as the demultiplexing test; the bound is the same.
     */
    @Test
    void echoRoundTripAllocatesNothing() throws Exception {
        RoundTripBenchmark b = new RoundTripBenchmark();
        b.setup();
        assertNoAllocationPerOp("a 64-byte echo", bytesPerOp(b::echo, 200_000));
        b.check();
    }
}
