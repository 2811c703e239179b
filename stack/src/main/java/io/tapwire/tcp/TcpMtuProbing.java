package io.tapwire.tcp;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;

/**
 * Black hole detection of packetization-layer path MTU discovery (RFC 4821, Linux's
 * {@code tcp_mtu_probing}): when segments time out {@code tcp_retries1} times in a row and no ICMP
 * said why, a router may be dropping packets too big for its link without telling (an ICMP black
 * hole). Linux's tcp_mtu_probing then caps the MSS at {@code tcp_base_mss} (1024), and halves that
 * cap on every further detection down to {@code tcp_mtu_probe_floor}; the retransmission that
 * follows the timeout goes out at the new size.
 *
 * <p>Not done: probing upward again from the cap (tcp_mtu_probe's larger probe segments, RFC 4821
 * section 7), so a connection keeps the lowered MSS.
 */
final class TcpMtuProbing {
    /** The TCP timestamp option, which the send MSS leaves room for when negotiated (RFC 7323). */
    private static final int TIMESTAMP_OPTION_BYTES = 12;

    private TcpMtuProbing() {
    }

    /**
     * A retransmission timeout past {@code tcp_retries1} (Linux's tcp_mtu_probing, called from
     * tcp_write_timeout): the first enables the cap at {@code tcp_base_mss}, later ones halve it.
     */
    static void blackHole(StackConfig config, Tcb t, Statistics stats) {
        if (config.tcpMtuProbing == 0 || !t.state.isSynchronized()) {
            return;
        }
        if (!t.mtupEnabled) {
            t.mtupEnabled = true;
            t.mtupSearchLowMss = config.tcpBaseMss;
        } else {
            int mss = Math.min(config.tcpBaseMss, t.mtupSearchLowMss >> 1);
            t.mtupSearchLowMss = Math.max(mss, config.tcpMtuProbeFloor);
        }
        // tcp_sync_mss: the cap counts no options; the send MSS leaves room for timestamps.
        int cap = t.mtupSearchLowMss - (t.tsOk ? TIMESTAMP_OPTION_BYTES : 0);
        if (cap < t.sndMss) {
            t.sndMss = Math.max(1, cap);
            stats.inc(Stat.TCP_MTUP_BLACKHOLE);
        }
    }
}
