package io.tapwire.apps.soak;

import io.tapwire.Stat;
import io.tapwire.Statistics;
import io.tapwire.apps.Sandbox;
import io.tapwire.link.FaultInjector;
import io.tapwire.link.FaultPath;
import io.tapwire.tcp.TcpLayer;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Takes {@link SoakSample}s of the stack in a sandbox. The heap is measured right after a full
 * collection ({@link System#gc()}), so a sample shows what is live rather than when the collector
 * last ran; the stack's counters are read on the stack thread, so they are consistent.
 */
final class SoakSampler {
    private static final Path FDS = Path.of("/proc/self/fd");

    private final Sandbox sandbox;
    private final long startNanos;

    SoakSampler(Sandbox sandbox, long startNanos) {
        this.sandbox = sandbox;
        this.startNanos = startNanos;
    }

    SoakSample sample() throws InterruptedException {
        System.gc();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct = pool.getMemoryUsed();
            }
        }
        TcpLayer tcp = sandbox.stack().tcp();
        List<TcpLayer.TcpInfoEntry> conns = tcp.connections();
        int established = 0;
        int timeWait = 0;
        int synReceived = 0;
        for (TcpLayer.TcpInfoEntry c : conns) {
            switch (c.info().state()) {
                case ESTABLISHED -> established++;
                case TIME_WAIT -> timeWait++;
                case SYN_RECEIVED -> synReceived++;
                default -> { }
            }
        }
        long[] counters = onStackThread();
        FaultInjector faults = sandbox.faultInjector();
        long faultLosses = faults == null ? 0 : losses(faults.transmitPath()) + losses(faults.receivePath());
        return new SoakSample((System.nanoTime() - startNanos) / 1e9, heap.getUsed(), heap.getCommitted(), direct,
                tcp.bufferPool().lentBytes(), tcp.bufferPool().pooledBytes(), conns.size(), established, timeWait, synReceived,
                openFds(), ManagementFactory.getThreadMXBean().getThreadCount(), counters[0], counters[1], counters[2],
                counters[3], counters[4], counters[5], faultLosses);
    }

    private static long losses(FaultPath p) {
        return p.randomLosses() + p.burstLosses();
    }

    /** Reassembly bytes and the counters, read where they are written. */
    private long[] onStackThread() throws InterruptedException {
        CompletableFuture<long[]> f = new CompletableFuture<>();
        sandbox.stack().execute(() -> {
            Statistics s = sandbox.statistics();
            f.complete(new long[] {sandbox.stack().reassembler().bufferedBytes(), s.get(Stat.RX_FRAMES), s.get(Stat.RX_DROPPED),
                s.get(Stat.TX_FRAMES), s.get(Stat.RX_INTERNAL_ERRORS), s.get(Stat.TCP_RETRANS_SEGS)});
        });
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the stack thread did not answer within 10 s: " + e, e);
        }
    }

    static int openFds() {
        try (Stream<Path> s = Files.list(FDS)) {
            return (int) s.count();
        } catch (IOException e) {
            return -1;
        }
    }
}
