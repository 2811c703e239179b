package io.tapwire.apps.soak;

import java.util.List;
import java.util.Locale;

/**
 * One sample of a soak: the stack's process and protocol state at {@code seconds} after the start.
 * Counters ({@code rxFrames} and after) are totals since the start.
 *
 * @param seconds time since the load started
 * @param heapUsedAfterGcBytes heap in use right after a full collection (what is really live)
 * @param heapCommittedBytes heap the JVM holds from the system
 * @param directBytes direct NIO buffers in use (descriptor rings, scratch buffers)
 * @param poolLentBytes {@link io.tapwire.tcp.BufferPool} bytes lent to connection rings
 * @param poolKeptBytes {@link io.tapwire.tcp.BufferPool} bytes kept for reuse
 * @param tcpConnections entries in the connection table (every state)
 * @param tcpEstablished of those, ESTABLISHED
 * @param tcpTimeWait of those, TIME_WAIT
 * @param tcpSynReceived of those, SYN_RECEIVED (half-open)
 * @param openFds file descriptors the JVM has open ({@code /proc/self/fd})
 * @param threads live JVM threads
 * @param reassemblyBytes bytes held for IP reassembly
 * @param rxFrames frames the stack took off its RX ring
 * @param rxDropped of those, dropped (every one for a counted reason)
 * @param txFrames frames the stack sent
 * @param internalErrors bugs hit inside the stack (must stay 0)
 * @param retransmits TCP segments retransmitted
 * @param faultLosses frames the fault injector dropped on purpose, both directions
 */
public record SoakSample(double seconds, long heapUsedAfterGcBytes, long heapCommittedBytes, long directBytes,
                         long poolLentBytes, long poolKeptBytes, int tcpConnections, int tcpEstablished, int tcpTimeWait,
                         int tcpSynReceived, int openFds, int threads, long reassemblyBytes, long rxFrames, long rxDropped,
                         long txFrames, long internalErrors, long retransmits, long faultLosses) {
    private static final double MIB = 1024.0 * 1024.0;

    /** The CSV columns, in {@link #csv()} order. */
    public static final List<String> COLUMNS = List.of("seconds", "heap_used_after_gc_mib", "heap_committed_mib", "direct_mib",
            "pool_lent_mib", "pool_kept_mib", "tcp_connections", "tcp_established", "tcp_time_wait", "tcp_syn_received",
            "open_fds", "threads", "reassembly_bytes", "rx_frames", "rx_dropped", "tx_frames", "internal_errors",
            "retransmits", "fault_losses");

    /** One CSV line (no newline). */
    public String csv() {
        return String.format(Locale.ROOT, "%.1f,%.2f,%.2f,%.2f,%.3f,%.3f,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d", seconds,
                heapUsedAfterGcBytes / MIB, heapCommittedBytes / MIB, directBytes / MIB, poolLentBytes / MIB,
                poolKeptBytes / MIB, tcpConnections, tcpEstablished, tcpTimeWait, tcpSynReceived, openFds, threads,
                reassemblyBytes, rxFrames, rxDropped, txFrames, internalErrors, retransmits, faultLosses);
    }

    public double heapUsedAfterGcMib() {
        return heapUsedAfterGcBytes / MIB;
    }

    public double poolLentMib() {
        return poolLentBytes / MIB;
    }

    public double directMib() {
        return directBytes / MIB;
    }
}
