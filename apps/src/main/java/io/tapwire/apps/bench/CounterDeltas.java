package io.tapwire.apps.bench;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.Statistics;
import io.tapwire.tap.Netns;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counter snapshots around one measurement, to show retransmissions, resets, queue overflows and
 * drops next to each figure: tapwire's {@link Statistics} and the Linux MIB counters of a namespace
 * ({@code /proc/net/snmp} Tcp and {@code /proc/net/netstat} TcpExt, read with {@code ip netns exec}).
 */
final class CounterDeltas {
    /** tapwire counters worth showing when they move (segments for scale, the rest as trouble signs). */
    private static final List<Stat> TAPWIRE = List.of(Stat.TCP_IN_SEGS, Stat.TCP_OUT_SEGS, Stat.TCP_RETRANS_SEGS,
            Stat.TCP_FAST_RETRANS, Stat.TCP_TIMEOUTS, Stat.TCP_OUT_RSTS, Stat.TCP_ESTAB_RESETS, Stat.TCP_ATTEMPT_FAILS,
            Stat.TCP_LISTEN_OVERFLOWS, Stat.TCP_LISTEN_DROPS, Stat.TCP_SYN_QUEUE_FULL, Stat.TCP_CHALLENGE_ACKS,
            Stat.TCP_ABORT_ON_TIMEOUT, Stat.TX_RING_FULL, Stat.RX_DROPPED, Stat.RX_INTERNAL_ERRORS);
    /** Linux counters worth showing when they move. */
    private static final List<String> LINUX = List.of("Tcp.InSegs", "Tcp.OutSegs", "Tcp.RetransSegs", "Tcp.OutRsts",
            "Tcp.EstabResets", "Tcp.AttemptFails", "Tcp.InErrs", "TcpExt.TCPTimeouts", "TcpExt.TCPLostRetransmit",
            "TcpExt.ListenOverflows", "TcpExt.ListenDrops", "TcpExt.TCPSynRetrans", "TcpExt.TCPAbortOnData",
            "TcpExt.TCPBacklogDrop", "TcpExt.PAWSEstab", "TcpExt.TCPRcvQDrop", "TcpExt.TCPZeroWindowDrop");

    private CounterDeltas() {
    }

    static Map<String, Long> tapwire(Statistics s) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Stat st : TAPWIRE) {
            m.put(st.name(), s.get(st));
        }
        for (DropReason d : DropReason.values()) {
            m.put("drop." + d.name(), s.get(d));
        }
        return m;
    }

    /** The Tcp and TcpExt MIBs of {@code ns}; empty if they cannot be read. */
    static Map<String, Long> linux(Netns ns) {
        Map<String, Long> m = new LinkedHashMap<>();
        try {
            Netns.Result r = ns.exec("cat", "/proc/net/snmp", "/proc/net/netstat");
            String[] lines = r.stdout().split("\n");
            for (int i = 0; i + 1 < lines.length; i++) {
                String[] names = lines[i].split("\\s+");
                String[] values = lines[i + 1].split("\\s+");
                if (names.length > 1 && names[0].equals(values[0]) && (names[0].equals("Tcp:") || names[0].equals("TcpExt:"))
                        && !values[1].matches(".*[A-Za-z].*")) {
                    String prefix = names[0].substring(0, names[0].length() - 1);
                    for (int k = 1; k < Math.min(names.length, values.length); k++) {
                        m.put(prefix + "." + names[k], Long.parseLong(values[k]));
                    }
                    i++;
                }
            }
        } catch (RuntimeException ignored) {
            // counters are a diagnostic; a failure to read them is not a benchmark failure
        }
        return m;
    }

    /**
     * The kernel's drop counters of {@code device} in {@code ns} (sysfs as {@code ip netns exec}
     * mounts it): frames the kernel could not queue to the TAP reader or the veth peer.
     */
    static Map<String, Long> device(Netns ns, String device) {
        Map<String, Long> m = new LinkedHashMap<>();
        try {
            String dir = "/sys/class/net/" + device + "/statistics/";
            List<String> names = List.of("tx_dropped", "rx_dropped", "tx_errors", "rx_errors");
            List<String> cmd = new java.util.ArrayList<>(List.of("cat"));
            for (String n : names) {
                cmd.add(dir + n);
            }
            String[] v = ns.exec(cmd.toArray(new String[0])).stdout().trim().split("\\s+");
            for (int i = 0; i < names.size() && i < v.length; i++) {
                m.put(device + "." + names.get(i), Long.parseLong(v[i]));
            }
        } catch (RuntimeException ignored) {
            // diagnostic only
        }
        return m;
    }

    /** "NAME +delta" for every shown counter that moved; TCP segment counts first. */
    static String delta(Map<String, Long> before, Map<String, Long> after, List<String> order) {
        StringBuilder sb = new StringBuilder();
        for (String k : order) {
            long d = after.getOrDefault(k, 0L) - before.getOrDefault(k, 0L);
            if (d != 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append(k).append(" +").append(d);
            }
        }
        return sb.length() == 0 ? "none moved" : sb.toString();
    }

    static String tapwireDelta(Map<String, Long> before, Map<String, Long> after) {
        List<String> order = new java.util.ArrayList<>();
        for (Stat st : TAPWIRE) {
            order.add(st.name());
        }
        for (DropReason d : DropReason.values()) {
            order.add("drop." + d.name());
        }
        return delta(before, after, order);
    }

    static String linuxDelta(Map<String, Long> before, Map<String, Long> after) {
        List<String> order = new java.util.ArrayList<>(LINUX);
        for (String k : after.keySet()) {
            if (k.contains(".tx_") || k.contains(".rx_")) {
                order.add(k);
            }
        }
        return delta(before, after, order);
    }

    /** The retransmitted-segment count that moved ({@code Tcp.RetransSegs} or {@code TCP_RETRANS_SEGS}). */
    static long moved(Map<String, Long> before, Map<String, Long> after, String key) {
        return after.getOrDefault(key, 0L) - before.getOrDefault(key, 0L);
    }
}
