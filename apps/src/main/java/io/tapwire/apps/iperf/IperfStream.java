package io.tapwire.apps.iperf;

import io.tapwire.socket.TcpSocket;
import io.tapwire.wire.Ipv6Address;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One data stream of a test, on either side: its iperf3 id, direction, transport (a TCP socket,
 * or a UDP peer), and what it counted. The thread moving its data is started by the owner.
 */
final class IperfStream {
    final int id;
    /** True when this side sends on the stream. */
    final boolean sender;
    final TcpSocket tcp;
    final int udpAddress;
    /** The UDP peer's IPv6 address (then {@code udpAddress} is unused), or null for an IPv4 peer. */
    final Ipv6Address udpAddress6;
    final int udpPort;
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong packets = new AtomicLong();
    final UdpReceiveStats udpStats = new UdpReceiveStats();
    volatile long startNanos;
    /** What was counted during the omitted warm-up ({@code -O}), left out of the results as iperf3 does. */
    volatile long omittedBytes;
    volatile long omittedPackets;
    volatile long omittedErrors;
    /** Counting stopped at TEST_END (as iperf3's server stops reading then); -1 while it runs. */
    private volatile long frozenBytes = -1;
    volatile long endNanos;
    Thread thread;
    /** TCP_INFO taken when the stream ended ({@link #finishTcp}), or null. */
    private volatile io.tapwire.tcp.TcpInfo finalInfo;

    IperfStream(int id, boolean sender, TcpSocket tcp, int udpAddress, int udpPort) {
        this(id, sender, tcp, udpAddress, null, udpPort);
    }

    IperfStream(int id, boolean sender, TcpSocket tcp, int udpAddress, Ipv6Address udpAddress6, int udpPort) {
        this.id = id;
        this.sender = sender;
        this.tcp = tcp;
        this.udpAddress = udpAddress;
        this.udpAddress6 = udpAddress6;
        this.udpPort = udpPort;
    }

    /** Bytes moved: sent by a sender, received by a receiver (up to TEST_END once {@link #freeze()}d). */
    long bytes() {
        long frozen = frozenBytes;
        if (frozen >= 0) {
            return frozen;
        }
        return sender || tcp != null ? bytes.get() : udpStats.bytes;
    }

    /**
     * Stops counting: bytes that arrive after the client's TEST_END are not the test's (iperf3's
     * server takes the streams out of its select set then), so the count stays at most what the
     * client reports it sent.
     */
    void freeze() {
        frozenBytes = sender || tcp != null ? bytes.get() : udpStats.bytes;
    }

    boolean frozen() {
        return frozenBytes >= 0;
    }

    long retransmits() {
        return tcp == null ? 0 : info().totalRetransmits();
    }

    /** The congestion control algorithm of a TCP stream. */
    String caAlgorithm() {
        return info().caAlgorithm();
    }

    /** Keeps the TCP stream's TCP_INFO as it is now, for the results, before its socket is closed. */
    void finishTcp() {
        finalInfo = tcp.tcpInfo();
    }

    private io.tapwire.tcp.TcpInfo info() {
        io.tapwire.tcp.TcpInfo i = finalInfo;
        return i != null ? i : tcp.tcpInfo();
    }

    /** The end of the {@code -O} warm-up: what was counted so far is left out of the results. */
    void omitUntilNow() {
        omittedBytes = bytes();
        omittedPackets = tcp == null ? (sender ? packets.get() : udpStats.packetCount) : 0;
        omittedErrors = udpStats.errors;
        startNanos = System.nanoTime();
    }

    double seconds() {
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        return startNanos == 0 ? 0 : (end - startNanos) / 1e9;
    }

    /** This stream in a results JSON (iperf_api.c send_results). */
    Map<String, Object> resultJson(boolean reportRetransmits) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("id", id);
        s.put("bytes", bytes() - omittedBytes);
        s.put("retransmits", sender && tcp != null && reportRetransmits ? retransmits() : -1);
        boolean udpReceiver = tcp == null && !sender;
        s.put("jitter", udpReceiver ? udpStats.jitter : 0.0);
        s.put("errors", udpReceiver ? udpStats.errors : 0);
        s.put("omitted_errors", udpReceiver ? omittedErrors : 0);
        s.put("packets", udpReceiver ? udpStats.packetCount : (tcp == null ? packets.get() : 0));
        s.put("omitted_packets", omittedPackets);
        s.put("start_time", 0.0);
        s.put("end_time", seconds());
        return s;
    }
}
