package io.tapwire.pcap.drill;

import io.tapwire.StackConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Linux-like settings a script of Linux's own packetdrill tests starts from: tapwire's defaults
 * (which follow Linux's) with receive-buffer auto-tuning on, as Linux's {@code tcp_moderate_rcvbuf=1}
 * (tapwire leaves it off by default), and Linux's 40 ms delayed ACK minimum and 200 ms minimum
 * RTO. The script's first shell line, {@code `../common/defaults.sh`}, then sets the production
 * sysctls of the test tree ({@link LinuxShell}, {@link LinuxSysctls}). Addresses, MACs and ports
 * are those of {@link FreeBsdProfile}: the runner chooses them, the scripts write {@code ...}.
 *
 * <p>A script is of the Linux dialect when a folder above it holds {@code common/defaults.sh}
 * (the layout of Linux's tools/testing/selftests/net/packetdrill and of packetdrill's own tree),
 * or when its shell lines run {@code defaults.sh} or set {@code net.ipv4.*} sysctls.
 */
public final class LinuxProfile {
    /**
     * What Linux's {@code tcp/common/defaults.sh} sets, used when a script runs
     * {@code defaults.sh} but the file cannot be found beside it (a script copied out of its tree).
     */
    static final List<String> BUILT_IN_DEFAULTS = List.of(
            "sysctl -q net.ipv4.tcp_rmem=\"4096 540000 15728640\"",
            "sysctl -q net.ipv4.tcp_wmem=\"4096 262144 4194304\"",
            "sysctl -q net.ipv4.tcp_timestamps=1",
            "sysctl -q net.ipv4.tcp_syn_retries=5",
            "sysctl -q net.ipv4.tcp_synack_retries=5",
            "sysctl -q net.ipv4.tcp_frto=2",
            "sysctl -q net.ipv4.tcp_sack=1",
            "sysctl -q net.ipv4.tcp_dsack=1",
            "sysctl -q net.ipv4.tcp_fack=0",
            "sysctl -q net.ipv4.tcp_reordering=3",
            "sysctl -q net.ipv4.tcp_congestion_control=cubic",
            "sysctl -q net.ipv4.tcp_slow_start_after_idle=0",
            "sysctl -q net.ipv4.tcp_early_retrans=4 net.ipv4.tcp_recovery=1",
            "sysctl -q net.ipv4.tcp_tso_win_divisor=3",
            "sysctl -q net.ipv4.tcp_ecn=0",
            "sysctl -q net.ipv4.tcp_ecn_option=2",
            "sysctl -q net.ipv4.tcp_pacing_ss_ratio=200",
            "sysctl -q net.ipv4.tcp_pacing_ca_ratio=120",
            "sysctl -q net.ipv4.tcp_notsent_lowat=4294967295",
            "sysctl -q net.ipv4.tcp_fastopen=0x70403",
            "sysctl -q net.ipv4.tcp_fastopen_key=a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4",
            "sysctl -q net.ipv4.tcp_syncookies=1");

    /** A shell line setting a Linux sysctl. */
    private static final java.util.regex.Pattern LINUX_SYSCTL = java.util.regex.Pattern.compile("`[^`]*net\\.(ipv4|ipv6|core)\\.");

    private LinuxProfile() {
    }

    /** Fresh settings for one Linux script: the fixed addresses and seeds of the FreeBSD profile, Linux's TCP defaults. */
    public static StackConfig stackConfig() {
        StackConfig c = new StackConfig();
        c.mac = FreeBsdProfile.STACK_MAC;
        c.address = FreeBsdProfile.STACK_ADDRESS;
        c.prefixLength = 24;
        c.seed = 0x5eed_d811L;
        c.tcpIsnSecret = 0x15_5ec7e7L;
        c.arpGratuitousAtStart = false;
        c.arpReachableNanos = Long.MAX_VALUE / 4;
        // As in the FreeBSD profile: IPv4 scripts run on a quiet IPv4-only stack (no DAD or MLD
        // timers at start interleaving with the scripted events; packetdrill's tun sees none either).
        c.disableIpv6 = true;
        // Linux: tcp_moderate_rcvbuf=1, so the window-scale shift covers tcp_rmem's maximum
        // (tcp_select_initial_window uses max(tcp_rmem[2], rmem_max): 15 MiB gives wscale 8).
        c.tcpModerateRcvbuf = true;
        // Linux's send buffer: skbs of truesize against sk_sndbuf (tcp_sendmsg_locked, SendBuffer).
        c.tcpBsdSendBuffer = false;
        // Linux: TCP_TIMEOUT_INIT 1 s, TCP_RTO_MIN 200 ms, TCP_DELACK_MIN 40 ms (tapwire's defaults too).
        c.tcpInitialRtoNanos = 1_000_000_000L;
        c.tcpMinRtoNanos = 200_000_000L;
        c.tcpDelackNanos = 40_000_000L;
        return c;
    }

    /** Whether {@code text} (from {@code script}, which may be null) is a script of Linux's dialect. */
    public static boolean applies(Path script, String text) {
        if (text.contains("defaults.sh`") || text.contains("common/defaults.sh") || LINUX_SYSCTL.matcher(text).find()) {
            return true;
        }
        return script != null && commonDefaults(script.toAbsolutePath().getParent()) != null;
    }

    /** The nearest {@code common/defaults.sh} in {@code dir} or a folder above it, or null. */
    static Path commonDefaults(Path dir) {
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve("common").resolve("defaults.sh");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
