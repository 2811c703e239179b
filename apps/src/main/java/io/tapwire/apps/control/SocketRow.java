package io.tapwire.apps.control;

import io.tapwire.tcp.TcpInfo;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.udp.UdpLayer;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.Ipv6Address;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One socket as {@code tapwire ss} shows it: protocol, state in {@code ss}'s spelling, queues,
 * both ends, and for TCP connections the raw {@code tcp_info} values (bytes, microseconds; the
 * conversion to Linux's units is {@code ss}'s job). Crosses the control socket as one line of
 * tab-separated {@code key=value} fields.
 *
 * @param netid {@code tcp} or {@code udp}
 * @param state ss's state name: {@code ESTAB}, {@code SYN-SENT}, {@code SYN-RECV}, {@code FIN-WAIT-1},
 *     {@code FIN-WAIT-2}, {@code TIME-WAIT}, {@code UNCONN}, {@code CLOSE-WAIT}, {@code LAST-ACK},
 *     {@code LISTEN}, {@code CLOSING}
 * @param info tcp_info fields by name (empty for listeners and UDP); see {@link #fromConnection}
 * @param local6 the local IPv6 address of an IPv6 connection (then {@code localAddress} is unused), else null
 * @param peer6 the peer's IPv6 address of an IPv6 connection, else null
 */
public record SocketRow(String netid, String state, long recvQ, long sendQ, int localAddress, int localPort,
                        int peerAddress, int peerPort, Map<String, String> info, Ipv6Address local6, Ipv6Address peer6) {

    /** An IPv4 socket (or a listener, which takes both families). */
    public SocketRow(String netid, String state, long recvQ, long sendQ, int localAddress, int localPort,
                     int peerAddress, int peerPort, Map<String, String> info) {
        this(netid, state, recvQ, sendQ, localAddress, localPort, peerAddress, peerPort, info, null, null);
    }

    /** Whether this is an IPv6 socket (ss -6 shows it, ss -4 does not). */
    public boolean ipv6() {
        return local6 != null;
    }

    /** The local address as ss prints it: {@code 10.0.0.2}, or {@code [fd00::2]} for IPv6. */
    public String localText() {
        return local6 != null ? "[" + local6 + "]" : Ipv4Address.toString(localAddress);
    }

    /** The peer's address as ss prints it. */
    public String peerText() {
        return peer6 != null ? "[" + peer6 + "]" : Ipv4Address.toString(peerAddress);
    }

    /** A TCP connection with its tcp_info. */
    public static SocketRow fromConnection(TcpLayer.TcpInfoEntry e) {
        TcpInfo i = e.info();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cc", i.caAlgorithm());
        m.put("ca_state", i.caState().name());
        m.put("cwnd", Integer.toString(i.cwnd()));
        m.put("ssthresh", Integer.toString(i.ssthresh()));
        m.put("srtt_us", Long.toString(i.srttMicros()));
        m.put("rttvar_us", Long.toString(i.rttvarMicros()));
        m.put("rto_us", Long.toString(i.rtoMicros()));
        m.put("ato_us", Long.toString(i.atoMicros()));
        m.put("backoff", Integer.toString(i.backoff()));
        m.put("mss", Integer.toString(i.sndMss()));
        m.put("advmss", Integer.toString(i.advMss()));
        m.put("rcvmss", Integer.toString(i.rcvMss()));
        m.put("pmtu", Integer.toString(i.pmtu()));
        m.put("snd_wscale", Integer.toString(i.sndWscale()));
        m.put("rcv_wscale", Integer.toString(i.rcvWscale()));
        m.put("ts", Boolean.toString(i.timestamps()));
        m.put("sack", Boolean.toString(i.sack()));
        m.put("ecn", Boolean.toString(i.ecn()));
        m.put("bytes_sent", Long.toString(i.bytesSent()));
        m.put("bytes_retrans", Long.toString(i.bytesRetrans()));
        m.put("bytes_acked", Long.toString(i.bytesAcked()));
        m.put("bytes_received", Long.toString(i.bytesReceived()));
        m.put("segs_out", Integer.toUnsignedString(i.segsOut()));
        m.put("segs_in", Integer.toUnsignedString(i.segsIn()));
        m.put("data_segs_out", Integer.toUnsignedString(i.dataSegsOut()));
        m.put("data_segs_in", Integer.toUnsignedString(i.dataSegsIn()));
        m.put("unacked", Integer.toString(i.bytesInFlight()));
        m.put("sacked", Integer.toString(i.sacked()));
        m.put("lost", Integer.toString(i.lost()));
        m.put("retrans", Integer.toString(i.retransmits()));
        m.put("total_retrans", Long.toString(i.totalRetransmits()));
        m.put("delivery_rate", Long.toString(i.deliveryRateBytesPerSecond()));
        m.put("rcv_space", Integer.toString(i.rcvSpace()));
        m.put("minrtt_us", Long.toString(i.minRttMicros()));
        m.put("snd_wnd", Integer.toString(i.sndWnd()));
        m.put("rcv_wnd", Integer.toString(i.rcvWnd()));
        m.put("timer", Integer.toString(i.timer()));
        m.put("timer_us", Long.toString(i.timerRemainingMicros()));
        m.put("timer_retrans", Integer.toString(i.timerRetransmits()));
        m.put("rcvbuf", Integer.toString(i.rcvBuf()));
        m.put("sndbuf", Integer.toString(i.sndBuf()));
        return new SocketRow("tcp", stateName(i.state()), i.recvQueue(), i.sendQueue(), e.ipv6() != null ? 0 : e.localAddress(),
                e.localPort(), e.ipv6() != null ? 0 : e.remoteAddress(), e.remotePort(), m,
                e.ipv6() != null ? e.ipv6().local() : null, e.ipv6() != null ? e.ipv6().remote() : null);
    }

    /** A TCP listener: Recv-Q is the accept queue, Send-Q its limit, as Linux shows them. */
    public static SocketRow fromListener(TcpLayer.ListenerEntry l) {
        return new SocketRow("tcp", "LISTEN", l.acceptQueue(), l.backlog(), l.localAddress(), l.port(), 0, 0, Map.of());
    }

    /** A UDP socket: ESTAB when connected, UNCONN otherwise (Linux's TCP_CLOSE for UDP). */
    public static SocketRow fromUdp(UdpLayer.SocketEntry u) {
        boolean connected = u.remotePort() != 0;
        return new SocketRow("udp", connected ? "ESTAB" : "UNCONN", u.recvQueue(), u.sendQueue(), u.localAddress(), u.localPort(),
                u.remoteAddress(), u.remotePort(), Map.of());
    }

    /** ss's spelling of an RFC 9293 state (iproute2's sstate_name). */
    public static String stateName(io.tapwire.tcp.TcpState s) {
        return switch (s) {
            case ESTABLISHED -> "ESTAB";
            case SYN_SENT -> "SYN-SENT";
            case SYN_RECEIVED -> "SYN-RECV";
            case FIN_WAIT_1 -> "FIN-WAIT-1";
            case FIN_WAIT_2 -> "FIN-WAIT-2";
            case TIME_WAIT -> "TIME-WAIT";
            case CLOSED -> "UNCONN";
            case CLOSE_WAIT -> "CLOSE-WAIT";
            case LAST_ACK -> "LAST-ACK";
            case LISTEN -> "LISTEN";
            case CLOSING -> "CLOSING";
        };
    }

    /** A tcp_info field as a number (0 when absent). */
    public long num(String key) {
        String v = info.get(key);
        return v == null ? 0 : Long.parseLong(v);
    }

    /** A tcp_info flag. */
    public boolean flag(String key) {
        return Boolean.parseBoolean(info.get(key));
    }

    /** Whether this row carries tcp_info (a TCP connection, not a listener or UDP socket). */
    public boolean hasInfo() {
        return !info.isEmpty();
    }

    /** The wire form: one line, tab-separated {@code key=value}. */
    public String encode() {
        StringBuilder sb = new StringBuilder();
        sb.append("netid=").append(netid).append("\tstate=").append(state).append("\trecvq=").append(recvQ)
                .append("\tsendq=").append(sendQ).append("\tlocal=").append(localText()).append(':')
                .append(localPort).append("\tpeer=").append(peerText()).append(':').append(peerPort);
        for (Map.Entry<String, String> f : info.entrySet()) {
            sb.append('\t').append(f.getKey()).append('=').append(f.getValue());
        }
        return sb.toString();
    }

    /** Parses {@link #encode()}'s line. */
    public static SocketRow decode(String line) {
        Map<String, String> all = new LinkedHashMap<>();
        for (String field : line.split("\t")) {
            int eq = field.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("not a key=value field: '" + field + "' in '" + line + "'");
            }
            all.put(field.substring(0, eq), field.substring(eq + 1));
        }
        String netid = take(all, "netid");
        String state = take(all, "state");
        long recvQ = Long.parseLong(take(all, "recvq"));
        long sendQ = Long.parseLong(take(all, "sendq"));
        String local = take(all, "local");
        String peer = take(all, "peer");
        int lc = local.lastIndexOf(':');
        int pc = peer.lastIndexOf(':');
        String localHost = local.substring(0, lc);
        String peerHost = peer.substring(0, pc);
        Ipv6Address local6 = localHost.startsWith("[") ? Ipv6Address.parse(unbracket(localHost)) : null;
        Ipv6Address peer6 = peerHost.startsWith("[") ? Ipv6Address.parse(unbracket(peerHost)) : null;
        return new SocketRow(netid, state, recvQ, sendQ, local6 != null ? 0 : Ipv4Address.parse(localHost),
                Integer.parseInt(local.substring(lc + 1)), peer6 != null ? 0 : Ipv4Address.parse(peerHost),
                Integer.parseInt(peer.substring(pc + 1)), all, local6, peer6);
    }

    private static String unbracket(String host) {
        if (!host.endsWith("]")) {
            throw new IllegalArgumentException("not a bracketed IPv6 address: '" + host + "'");
        }
        return host.substring(1, host.length() - 1);
    }

    private static String take(Map<String, String> m, String key) {
        String v = m.remove(key);
        if (v == null) {
            throw new IllegalArgumentException("socket line without '" + key + "'");
        }
        return v;
    }
}
