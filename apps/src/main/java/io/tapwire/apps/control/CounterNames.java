package io.tapwire.apps.control;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.Statistics;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stack's counters under the names {@code nstat} prints ({@code /proc/net/snmp} and
 * {@code /proc/net/netstat}: {@code IpInDelivers}, {@code TcpInSegs}, {@code TcpExtListenOverflows},
 * ...) where Linux has the counter, and {@code Tapwire...} names built from the enum otherwise
 * ({@code TapwireRxFrames}, {@code TapwireDropTcpOutOfWindow}), so a person reading both
 * recognises the Linux ones at once.
 */
public final class CounterNames {
    private static final Map<Stat, String> LINUX = new EnumMap<>(Stat.class);
    private static final Map<DropReason, String> LINUX_DROPS = new EnumMap<>(DropReason.class);

    static {
        LINUX.put(Stat.IP_IN_DELIVERS, "IpInDelivers");
        LINUX.put(Stat.IP_OUT_REQUESTS, "IpOutRequests");
        LINUX.put(Stat.IP_OUT_NO_ROUTES, "IpOutNoRoutes");
        LINUX.put(Stat.IP_FRAG_OKS, "IpFragOKs");
        LINUX.put(Stat.IP_FRAG_CREATES, "IpFragCreates");
        LINUX.put(Stat.IP_FRAG_FAILS, "IpFragFails");
        LINUX.put(Stat.IP_REASM_REQDS, "IpReasmReqds");
        LINUX.put(Stat.IP_REASM_OKS, "IpReasmOKs");
        LINUX.put(Stat.IP_REASM_TIMEOUTS, "IpReasmTimeout");
        LINUX.put(Stat.ICMP_IN_ECHOS, "IcmpInEchos");
        LINUX.put(Stat.ICMP_IN_ECHO_REPS, "IcmpInEchoReps");
        LINUX.put(Stat.ICMP_IN_DEST_UNREACHS, "IcmpInDestUnreachs");
        LINUX.put(Stat.ICMP_OUT_ECHOS, "IcmpOutEchos");
        LINUX.put(Stat.ICMP_OUT_ECHO_REPS, "IcmpOutEchoReps");
        LINUX.put(Stat.ICMP_OUT_DEST_UNREACHS, "IcmpOutDestUnreachs");
        LINUX.put(Stat.ICMP_OUT_TIME_EXCEEDS, "IcmpOutTimeExcds");
        LINUX.put(Stat.ICMP_OUT_RATE_LIMITED, "IcmpOutRateLimitGlobal");
        // /proc/net/snmp6, which nstat also reads.
        LINUX.put(Stat.IP6_IN_DELIVERS, "Ip6InDelivers");
        LINUX.put(Stat.IP6_OUT_REQUESTS, "Ip6OutRequests");
        LINUX.put(Stat.IP6_OUT_NO_ROUTES, "Ip6OutNoRoutes");
        LINUX.put(Stat.IP6_FRAG_OKS, "Ip6FragOKs");
        LINUX.put(Stat.IP6_FRAG_CREATES, "Ip6FragCreates");
        LINUX.put(Stat.IP6_REASM_REQDS, "Ip6ReasmReqds");
        LINUX.put(Stat.IP6_REASM_OKS, "Ip6ReasmOKs");
        LINUX.put(Stat.ICMP6_IN_ECHOS, "Icmp6InEchos");
        LINUX.put(Stat.ICMP6_IN_ECHO_REPLIES, "Icmp6InEchoReplies");
        LINUX.put(Stat.ICMP6_OUT_ECHO_REPLIES, "Icmp6OutEchoReplies");
        LINUX.put(Stat.ICMP6_OUT_ECHOS, "Icmp6OutEchos");
        LINUX.put(Stat.TCP_IN_SEGS, "TcpInSegs");
        LINUX.put(Stat.TCP_OUT_SEGS, "TcpOutSegs");
        LINUX.put(Stat.TCP_RETRANS_SEGS, "TcpRetransSegs");
        LINUX.put(Stat.TCP_OUT_RSTS, "TcpOutRsts");
        LINUX.put(Stat.TCP_ACTIVE_OPENS, "TcpActiveOpens");
        LINUX.put(Stat.TCP_PASSIVE_OPENS, "TcpPassiveOpens");
        LINUX.put(Stat.TCP_ATTEMPT_FAILS, "TcpAttemptFails");
        LINUX.put(Stat.TCP_ESTAB_RESETS, "TcpEstabResets");
        LINUX.put(Stat.TCP_TIMEOUTS, "TcpExtTCPTimeouts");
        LINUX.put(Stat.TCP_FAST_RETRANS, "TcpExtTCPFastRetrans");
        LINUX.put(Stat.TCP_CHALLENGE_ACKS, "TcpExtTCPChallengeACK");
        LINUX.put(Stat.TCP_LISTEN_OVERFLOWS, "TcpExtListenOverflows");
        LINUX.put(Stat.TCP_LISTEN_DROPS, "TcpExtListenDrops");
        LINUX.put(Stat.TCP_SYN_QUEUE_FULL, "TcpExtTCPReqQFullDrop");
        LINUX.put(Stat.TCP_REQ_Q_FULL_DO_COOKIES, "TcpExtTCPReqQFullDoCookies");
        LINUX.put(Stat.TCP_SYNCOOKIES_SENT, "TcpExtSyncookiesSent");
        LINUX.put(Stat.TCP_SYNCOOKIES_RECV, "TcpExtSyncookiesRecv");
        LINUX.put(Stat.TCP_SYNCOOKIES_FAILED, "TcpExtSyncookiesFailed");
        LINUX.put(Stat.TCP_FASTOPEN_ACTIVE, "TcpExtTCPFastOpenActive");
        LINUX.put(Stat.TCP_FASTOPEN_ACTIVE_FAIL, "TcpExtTCPFastOpenActiveFail");
        LINUX.put(Stat.TCP_FASTOPEN_PASSIVE, "TcpExtTCPFastOpenPassive");
        LINUX.put(Stat.TCP_FASTOPEN_PASSIVE_FAIL, "TcpExtTCPFastOpenPassiveFail");
        LINUX.put(Stat.TCP_FASTOPEN_COOKIE_REQD, "TcpExtTCPFastOpenCookieReqd");
        LINUX.put(Stat.TCP_FASTOPEN_LISTEN_OVERFLOW, "TcpExtTCPFastOpenListenOverflow");
        LINUX.put(Stat.TCP_ABORT_ON_TIMEOUT, "TcpExtTCPAbortOnTimeout");
        LINUX.put(Stat.TCP_SACK_DISCARDS, "TcpExtTCPSACKDiscard");
        LINUX.put(Stat.TCP_DSACK_RECEIVED, "TcpExtTCPDSACKRecv");
        LINUX.put(Stat.TCP_ABORT_ON_DATA, "TcpExtTCPAbortOnData");
        LINUX.put(Stat.TCP_ECN_CE_RECEIVED, "IpExtInCEPkts");
        LINUX.put(Stat.TCP_DELAYED_ACKS, "TcpExtDelayedACKs");
        LINUX.put(Stat.TCP_MEMORY_PRESSURES, "TcpExtTCPMemoryPressures");
        LINUX.put(Stat.TCP_PRUNE_CALLED, "TcpExtPruneCalled");
        LINUX.put(Stat.TCP_OFO_PRUNED, "TcpExtOfoPruned");
        LINUX.put(Stat.TCP_ABORT_ON_MEMORY, "TcpExtTCPAbortOnMemory");
        LINUX.put(Stat.TCP_TIME_WAIT_OVERFLOW, "TcpExtTCPTimeWaitOverflow");
        LINUX.put(Stat.TCP_TW_RECYCLED, "TcpExtTWRecycled");
        LINUX.put(Stat.TCP_SACK_RENEGING, "TcpExtTCPSACKReneging");
        LINUX.put(Stat.TCP_LOSS_PROBES, "TcpExtTCPLossProbes");
        LINUX.put(Stat.TCP_LOSS_PROBE_RECOVERY, "TcpExtTCPLossProbeRecovery");
        LINUX.put(Stat.TCP_SACK_RECOVERY, "TcpExtTCPSackRecovery");
        LINUX.put(Stat.TCP_RENO_RECOVERY, "TcpExtTCPRenoRecovery");
        LINUX.put(Stat.TCP_FULL_UNDO, "TcpExtTCPFullUndo");
        LINUX.put(Stat.TCP_PARTIAL_UNDO, "TcpExtTCPPartialUndo");
        LINUX.put(Stat.TCP_DSACK_UNDO, "TcpExtTCPDSACKUndo");
        LINUX.put(Stat.TCP_LOSS_UNDO, "TcpExtTCPLossUndo");
        LINUX.put(Stat.TCP_SPURIOUS_RTOS, "TcpExtTCPSpuriousRTOs");
        LINUX.put(Stat.TCP_SACK_REORDER, "TcpExtTCPSACKReorder");
        LINUX.put(Stat.TCP_TS_REORDER, "TcpExtTCPTSReorder");
        LINUX.put(Stat.TCP_RENO_REORDER, "TcpExtTCPRenoReorder");
        LINUX.put(Stat.UDP_IN_DATAGRAMS, "UdpInDatagrams");
        LINUX.put(Stat.UDP_OUT_DATAGRAMS, "UdpOutDatagrams");
        LINUX.put(Stat.UDP_SNDBUF_ERRORS, "UdpSndbufErrors");
        LINUX_DROPS.put(DropReason.IP_BAD_CHECKSUM, "IpExtInCsumErrors");
        LINUX_DROPS.put(DropReason.IP_UNKNOWN_PROTOCOL, "IpInUnknownProtos");
        LINUX_DROPS.put(DropReason.TCP_BAD_CHECKSUM, "TcpInCsumErrors");
        LINUX_DROPS.put(DropReason.TCP_PAWS, "TcpExtPAWSEstab");
        LINUX_DROPS.put(DropReason.TCP_OFO_DROP, "TcpExtTCPOFODrop");
        LINUX_DROPS.put(DropReason.TCP_RCVQ_DROP, "TcpExtTCPRcvQDrop");
        LINUX_DROPS.put(DropReason.UDP_NO_PORT, "UdpNoPorts");
        LINUX_DROPS.put(DropReason.UDP_BAD_CHECKSUM, "UdpInCsumErrors");
        LINUX_DROPS.put(DropReason.UDP_RCVBUF_FULL, "UdpRcvbufErrors");
        LINUX_DROPS.put(DropReason.ICMP_BAD_CHECKSUM, "IcmpInCsumErrors");
    }

    private CounterNames() {
    }

    /** The nstat name of a counter. */
    public static String name(Stat s) {
        String linux = LINUX.get(s);
        return linux != null ? linux : "Tapwire" + camel(s.name());
    }

    /** The nstat name of a drop reason. */
    public static String name(DropReason r) {
        String linux = LINUX_DROPS.get(r);
        return linux != null ? linux : "TapwireDrop" + camel(r.name());
    }

    /** Every counter, zero or not, in enum order: counters first, then drops. */
    public static Map<String, Long> all(Statistics stats) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Stat s : Stat.values()) {
            out.put(name(s), stats.get(s));
        }
        for (DropReason r : DropReason.values()) {
            out.put(name(r), stats.get(r));
        }
        return out;
    }

    /** {@code TCP_IN_SEGS} to {@code TcpInSegs}. */
    static String camel(String enumName) {
        StringBuilder sb = new StringBuilder();
        for (String part : enumName.split("_")) {
            if (!part.isEmpty()) {
                sb.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
            }
        }
        return sb.toString();
    }
}
