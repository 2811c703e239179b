package io.tapwire.pcap.drill;

import io.tapwire.StackConfig;

import java.util.Map;
import java.util.Set;

/**
 * Linux sysctls ({@code net.ipv4.*}, {@code net.core.*}) mapped to tapwire's settings. tapwire
 * names its settings after Linux's ({@code net.ipv4.tcp_syn_retries} is {@code tcpSynRetries}), so
 * a sysctl maps to the {@link StackConfig} field of its camel-cased name when there is one: a
 * setting added to the stack later is picked up without a change here. Exceptions are listed:
 * times (tapwire keeps nanoseconds, in {@code ...Nanos} fields), the {@code tcp_rmem} /
 * {@code tcp_wmem} triples, and the sysctls tapwire has no counterpart for, with what it does instead.
 * A sysctl without a counterpart is noted, never fatal; a change after the stack was built, to a
 * setting the stack reads only at start, makes the script unsupported (as {@link Sysctls}).
 */
final class LinuxSysctls {
    /** Seconds-valued sysctls whose tapwire field holds nanoseconds. */
    private static final Map<String, String> SECONDS = Map.of(
            "tcp_fin_timeout", "tcpFinTimeoutNanos",
            "tcp_keepalive_time", "tcpKeepaliveTimeNanos",
            "tcp_keepalive_intvl", "tcpKeepaliveIntvlNanos",
            "tcp_probe_interval", "tcpProbeIntervalNanos");

    /** Sysctls without a tapwire setting: what tapwire does instead. */
    private static final Map<String, String> NO_COUNTERPART = Map.ofEntries(
            Map.entry("tcp_fack", "FACK was removed from Linux (4.15) and tapwire has none; 0 matches"),
            Map.entry("tcp_tso_win_divisor", "tapwire has no TSO and never defers sending to build bigger segments"),
            Map.entry("tcp_ecn_option", "tapwire has no Accurate ECN option"),
            Map.entry("tcp_autocorking", "tapwire does not autocork"),
            Map.entry("tcp_no_metrics_save", "tapwire keeps no TCP metrics cache"));

    /**
     * Settings the stack reads from its StackConfig when it uses them (checked in the stack: a new
     * connection, a segment, a timer), as Linux reads its sysctls, so a script may change them
     * between connections. Any other setting changed after the stack was built makes the script
     * unsupported.
     */
    private static final Set<String> LIVE = Set.of("tcpInsecureRst", "tcpInsecureSyn", "tcpEcn", "tcpSack", "tcpDsack",
            "tcpTimestamps", "tcpWindowScaling", "tcpSynRetries", "tcpSynackRetries", "tcpSyncookies", "tcpRetries2",
            "tcpFinTimeoutNanos", "tcpTwReuse", "tcpTwReuseDelayNanos", "tcpRmemDefault", "tcpRmemMax", "tcpWmemDefault", "tcpWmemMax", "tcpCongestionControl",
            // TcpFastOpen reads the bits and the key on each SYN / connect (Linux: sysctl_tcp_fastopen, ctx->key).
            "tcpFastopen", "tcpFastopenKey",
            // TcpOutput sizes each GSO packet from these when it sends.
            "tcpMinTsoSegs", "tcpPacingSsRatio", "tcpPacingCaRatio",
            // TcpIdleRestart reads it whenever data is about to leave an idle connection.
            "tcpSlowStartAfterIdle");

    private LinuxSysctls() {
    }

    /** Applies {@code name=value} ({@code value} as the shell would pass it, quotes removed). */
    static Sysctls.Outcome apply(StackConfig config, String name, String value, boolean stackBuilt) {
        String base = name.replaceFirst("^net\\.(ipv4|ipv6|core)\\.", "");
        String v = value.strip();
        if (base.equals("tcp_rmem") || base.equals("tcp_wmem")) {
            String[] parts = v.split("\\s+");
            if (parts.length != 3) {
                return new Sysctls.Outcome(true, name + "=" + value + ": expected three numbers, ignored");
            }
            String prefix = base.equals("tcp_rmem") ? "tcpRmem" : "tcpWmem";
            Sysctls.Outcome def = set(config, name, prefix + "Default", parts[1], 1, stackBuilt);
            Sysctls.Outcome max = set(config, name, prefix + "Max", parts[2], 1, stackBuilt);
            return new Sysctls.Outcome(def.supported() && max.supported(), def.note() + "; " + max.note()
                    + "; the minimum " + parts[0] + " has no tapwire setting");
        }
        if (base.equals("tcp_fastopen_key")) {
            return fastopenKey(config, name, v, stackBuilt);
        }
        String reason = NO_COUNTERPART.get(base);
        if (reason != null) {
            return new Sysctls.Outcome(true, name + "=" + v + ": no tapwire setting; " + reason);
        }
        if (base.equals("tcp_tw_reuse_delay")) {
            // Milliseconds in Linux (6.14), nanoseconds in tapwire.
            return set(config, name, "tcpTwReuseDelayNanos", v, 1_000_000L, stackBuilt);
        }
        String seconds = SECONDS.get(base);
        if (seconds != null) {
            return set(config, name, seconds, v, 1_000_000_000L, stackBuilt);
        }
        String field = camel(base);
        if (Settings.type(field) == null) {
            return new Sysctls.Outcome(true, name + "=" + v + ": no tapwire setting (" + field + "), ignored");
        }
        return set(config, name, field, v, 1, stackBuilt);
    }

    /** {@code tcp_fastopen_key}: four 32-bit hex words (a backup key after ',' is not used), see StackConfig.parseFastopenKey. */
    private static Sysctls.Outcome fastopenKey(StackConfig config, String name, String v, boolean stackBuilt) {
        byte[] key;
        try {
            key = StackConfig.parseFastopenKey(v);
        } catch (IllegalArgumentException e) {
            return new Sysctls.Outcome(true, name + "=" + v + ": " + e.getMessage() + ", ignored");
        }
        if (stackBuilt && !LIVE.contains("tcpFastopenKey")) {
            return new Sysctls.Outcome(false, name + "=" + v + " changes tcpFastopenKey after the stack was built");
        }
        config.tcpFastopenKey = key;
        return new Sysctls.Outcome(true, name + "=" + v + ": tcpFastopenKey = " + java.util.HexFormat.of().formatHex(key));
    }

    /** {@code tcp_syn_retries} as {@code tcpSynRetries}. */
    static String camel(String sysctl) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char c : sysctl.toCharArray()) {
            if (c == '_' || c == '.') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }

    private static Sysctls.Outcome set(StackConfig config, String name, String field, String raw, long scale, boolean stackBuilt) {
        Class<?> type = Settings.type(field);
        if (type == null) {
            return new Sysctls.Outcome(true, name + "=" + raw + ": tapwire has no " + field + " setting yet, ignored");
        }
        Object value;
        try {
            if (type == String.class) {
                value = raw;
            } else {
                long n = Cursor.parseInteger(raw);
                if (type == boolean.class) {
                    value = n != 0;
                } else if (type == int.class) {
                    // Linux's UINT_MAX ("unlimited", e.g. tcp_notsent_lowat) as tapwire's int maximum.
                    value = (int) Math.min(Integer.MAX_VALUE, n * scale);
                } else {
                    value = n * scale;
                }
            }
        } catch (NumberFormatException e) {
            return new Sysctls.Outcome(true, name + "=" + raw + ": not a number, ignored");
        }
        Object current = Settings.get(config, field);
        if (value.equals(current)) {
            return new Sysctls.Outcome(true, name + "=" + raw + ": " + field + " = " + value + " (already)");
        }
        if (stackBuilt && !LIVE.contains(field)) {
            return new Sysctls.Outcome(false, name + "=" + raw + " changes " + field + " after the stack was built");
        }
        if (!Settings.set(config, field, value)) {
            return new Sysctls.Outcome(true, name + "=" + raw + ": " + field + " cannot take " + value + ", ignored");
        }
        return new Sysctls.Outcome(true, name + "=" + raw + ": " + field + " = " + value);
    }
}
