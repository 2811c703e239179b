package io.tapwire.pcap.drill;

import io.tapwire.StackConfig;

import java.util.Map;
import java.util.function.Function;

/**
 * FreeBSD sysctls the suite sets, mapped to tapwire's settings where tapwire has one. Every line
 * gives a note for the script's log; a line tapwire has no setting for is ignored with a note
 * saying so (and whether tapwire's fixed behaviour happens to match the value). A setting that
 * changes after the stack was built cannot be honoured, and makes the script unsupported.
 */
final class Sysctls {
    /** What applying one sysctl did. */
    record Outcome(boolean supported, String note) {
    }

    /** A mapped sysctl: the StackConfig field and the value it gets from the sysctl's integer value. */
    private record Mapping(String field, Function<Long, Object> convert) {
    }

    private static final long MS = 1_000_000L;

    private static final Map<String, Mapping> MAPPED = Map.ofEntries(
            Map.entry("net.inet.tcp.recvspace", new Mapping("tcpRmemDefault", v -> (int) (long) v)),
            Map.entry("net.inet.tcp.sendspace", new Mapping("tcpWmemDefault", v -> (int) (long) v)),
            Map.entry("net.inet.tcp.delacktime", new Mapping("tcpDelackNanos", v -> v * MS)),
            Map.entry("net.inet.tcp.rexmit_initial", new Mapping("tcpInitialRtoNanos", v -> v * MS)),
            Map.entry("net.inet.tcp.rexmit_min", new Mapping("tcpMinRtoNanos", v -> v * MS)),
            Map.entry("net.inet.tcp.msl", new Mapping("tcpTimeWaitNanos", v -> 2 * v * MS)),
            Map.entry("net.inet.tcp.finwait2_timeout", new Mapping("tcpFinTimeoutNanos", v -> v * MS)),
            Map.entry("net.inet.tcp.keepidle", new Mapping("tcpKeepaliveTimeNanos", v -> v * MS)),
            Map.entry("net.inet.tcp.keepintvl", new Mapping("tcpKeepaliveIntvlNanos", v -> v * MS)),
            Map.entry("net.inet.tcp.keepcnt", new Mapping("tcpKeepaliveProbes", v -> (int) (long) v)),
            Map.entry("net.inet.tcp.keepinit", new Mapping("tcpKeepInitNanos", v -> v * MS)),
            Map.entry("net.inet.tcp.rexmit_slop", new Mapping("tcpRexmitSlopNanos", v -> v * MS)),
            Map.entry("net.inet.tcp.rexmit_drop_options", new Mapping("tcpRexmitDropOptions", v -> v != 0)),
            // icmp_may_rst=1: hard ICMP errors end a connection attempt (1); 0: none do.
            Map.entry("net.inet.tcp.icmp_may_rst", new Mapping("tcpIcmpSynSentAbort", v -> v != 0 ? 1 : 0)),
            Map.entry("net.inet.tcp.ecn.maxretries", new Mapping("tcpEcnMaxRetries", v -> (int) (long) v)),
            // FreeBSD derives the window-scale shift it offers from sb_max (tcp_connect/syncache:
            // the smallest shift with 65535 << shift >= kern.ipc.maxsockbuf, at most 14).
            Map.entry("kern.ipc.maxsockbuf", new Mapping("tcpWindowScaleShift", v -> {
                int shift = 0;
                while (shift < 14 && (65535L << shift) < v) {
                    shift++;
                }
                return shift;
            })),
            Map.entry("net.inet.tcp.sack.enable", new Mapping("tcpSack", v -> v != 0)),
            // FreeBSD's syncookies=1 sends cookies when the syncache overflows: Linux's (and tapwire's) 1.
            Map.entry("net.inet.tcp.syncookies", new Mapping("tcpSyncookies", v -> v != 0 ? 1 : 0)),
            Map.entry("net.inet.tcp.ecn.enable", new Mapping("tcpEcn", v -> (int) (long) v)),
            Map.entry("net.inet.tcp.insecure_rst", new Mapping("tcpInsecureRst", v -> v != 0)),
            Map.entry("net.inet.tcp.insecure_syn", new Mapping("tcpInsecureSyn", v -> v != 0)),
            Map.entry("net.inet.tcp.drop_synfin", new Mapping("tcpDropSynfin", v -> v != 0 ? 1 : 0)),
            // FreeBSD's path_disable_time is in seconds.
            Map.entry("net.inet.tcp.fastopen.path_disable_time", new Mapping("tcpFastopenPathDisableNanos", v -> v * 1000 * MS)));

    /** Sysctls with no tapwire setting: what tapwire does instead, and the value that matches it (null: none). */
    private record Fixed(String behaviour, Long matching) {
    }

    private static final Map<String, Fixed> FIXED = Map.ofEntries(
            Map.entry("net.inet.tcp.blackhole", new Fixed("tapwire answers segments for closed ports with RST", 0L)),
            Map.entry("net.inet.tcp.hostcache.purgenow", new Fixed("tapwire keeps no host cache", 1L)),
            Map.entry("net.inet.tcp.tolerate_missing_ts", new Fixed("no setting", null)),
            Map.entry("net.inet.tcp.syncookies_only", new Fixed("tapwire sends cookies only when the SYN queue is full"
                    + " unless tcpSyncookies is 2", 0L)));

    /** Settings the stack reads on every segment, so a change after it was built takes effect at once. */
    private static final java.util.Set<String> LIVE = java.util.Set.of("tcpInsecureRst", "tcpInsecureSyn", "tcpDropSynfin", "tcpFastopen",
            "tcpFastopenPathDisableNanos",
            // Read when a socket is created or a timer runs (getsockopt reports them for new sockets, as FreeBSD's do).
            "tcpKeepaliveTimeNanos", "tcpKeepaliveIntvlNanos", "tcpKeepaliveProbes", "tcpKeepInitNanos", "tcpEcnMaxRetries",
            "tcpIcmpSynSentAbort");

    private Sysctls() {
    }

    /**
     * Applies {@code sysctl -w name=value} to {@code config}. Before the stack exists any mapped
     * setting may change; afterwards only a value equal to the current one is accepted.
     */
    static Outcome apply(StackConfig config, String name, String value, boolean stackBuilt) {
        long v;
        try {
            v = Cursor.parseInteger(value);
        } catch (NumberFormatException e) {
            return new Outcome(true, name + "=" + value + ": not a number, ignored");
        }
        if (name.equals("net.inet.tcp.rfc1323")) {
            // 0 off, 1 both, 2 window scaling only, 3 timestamps only.
            Outcome a = applyMapped(config, name, new Mapping("tcpWindowScaling", x -> x == 1 || x == 2), v, stackBuilt);
            Outcome b = applyMapped(config, name, new Mapping("tcpTimestamps", x -> x == 1 || x == 3), v, stackBuilt);
            return new Outcome(a.supported() && b.supported(), a.note() + "; " + b.note());
        }
        if (name.equals("net.inet.tcp.fastopen.client_enable") || name.equals("net.inet.tcp.fastopen.server_enable")) {
            // FreeBSD's two switches are bits of tapwire's (Linux's) tcp_fastopen: 0x1 client, 0x2 server.
            int bit = name.endsWith("client_enable") ? 0x1 : 0x2;
            Object current = Settings.get(config, "tcpFastopen");
            if (current == null) {
                return new Outcome(true, name + "=" + value + ": tapwire has no tcpFastopen setting yet, ignored");
            }
            int bits = v != 0 ? ((Integer) current | bit) : ((Integer) current & ~bit);
            return applyMapped(config, name, new Mapping("tcpFastopen", x -> bits), v, stackBuilt);
        }
        Mapping m = MAPPED.get(name);
        if (m != null) {
            return applyMapped(config, name, m, v, stackBuilt);
        }
        Fixed f = FIXED.get(name);
        if (f != null) {
            String verdict = f.matching() == null ? "" : f.matching() == v ? " (matches)" : " (differs: ignored)";
            return new Outcome(true, name + "=" + value + ": no tapwire setting; " + f.behaviour() + verdict);
        }
        return new Outcome(true, name + "=" + value + ": no tapwire setting, ignored");
    }

    private static Outcome applyMapped(StackConfig config, String name, Mapping m, long v, boolean stackBuilt) {
        Object value = m.convert().apply(v);
        Object current = Settings.get(config, m.field());
        if (current == null) {
            return new Outcome(true, name + "=" + v + ": tapwire has no " + m.field() + " setting yet, ignored");
        }
        if (current.equals(value)) {
            return new Outcome(true, name + "=" + v + ": " + m.field() + " = " + value + " (already)");
        }
        if (stackBuilt && !LIVE.contains(m.field())) {
            return new Outcome(false, name + "=" + v + " changes " + m.field() + " after the stack was built");
        }
        Settings.set(config, m.field(), value);
        return new Outcome(true, name + "=" + v + ": " + m.field() + " = " + value);
    }
}
