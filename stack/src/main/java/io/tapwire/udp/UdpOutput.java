package io.tapwire.udp;

import io.tapwire.StackConfig;
import io.tapwire.Stat;
import io.tapwire.Statistics;
import io.tapwire.event.Events;
import io.tapwire.net.Interface;
import io.tapwire.net.Ipv4Output;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.UdpPacket;

import java.nio.ByteBuffer;

/**
 * UDP's output on the stack thread: moves datagrams from the sockets' send queues into TX
 * descriptors (one copy), writes the UDP header and checksum (RFC 768; mandatory over IPv6, RFC
 * 8200 section 8.1) and hands each datagram to IPv4 or IPv6, which fragment what exceeds the MTU.
 * {@link UdpLayer} owns the sockets and decides when to flush.
 */
final class UdpOutput {
    private final StackConfig config;
    private final Interface iface;
    private final Ipv4Output out;
    private final Statistics stats;
    private final UdpPacket udpOut = new UdpPacket();
    private io.tapwire.net.Ipv6Addresses addresses6;
    private io.tapwire.net.Ipv6Output out6;

    UdpOutput(StackConfig config, Interface iface, Ipv4Output out, Statistics stats) {
        this.config = config;
        this.iface = iface;
        this.out = out;
        this.stats = stats;
    }

    void enableIpv6(io.tapwire.net.Ipv6Addresses addresses, io.tapwire.net.Ipv6Output out) {
        this.addresses6 = addresses;
        this.out6 = out;
    }

    /**
     * Sends queued datagrams while the TX ring has room for them; what does not fit waits for the
     * next poll (backpressure reaches the sockets' send queues, not a silent drop).
     *
     * @return true when some datagram still waits for room in the TX ring
     */
    boolean flush(UdpEndpoint[] all) {
        boolean pending = false;
        for (int i = 0; i < all.length; i++) {
            UdpEndpoint e = all[i];
            if (!e.txPending) {
                continue;
            }
            e.lock.lock();
            try {
                DatagramQueue q = e.txQueue;
                while (!q.isEmpty()) {
                    if (q.peekIsIpv6()) {
                        if (!flush6(e, q)) {
                            pending = true;
                            break;
                        }
                        continue;
                    }
                    int length = q.peekLength();
                    int total = Ipv4Packet.MIN_HEADER_LENGTH + UdpPacket.HEADER_LENGTH + length;
                    // Room for every fragment plus a possible ARP request, or wait for the next poll.
                    if (iface.txAvailable() < framesFor(total) + 1) {
                        pending = true;
                        break;
                    }
                    int dst = q.peekAddress();
                    int dstPort = q.peekPort();
                    ByteBuffer b = out.begin(dst, Ipv4Packet.PROTO_UDP, UdpPacket.HEADER_LENGTH + length);
                    if (b == null) {
                        q.skip();
                        continue;
                    }
                    int at = out.payloadOffset();
                    q.poll(b, at + UdpPacket.HEADER_LENGTH);
                    writeHeaderAndChecksum(b, at, e.localPort, dst, dstPort, length);
                    // Linux's default for UDP (IP_PMTUDISC_WANT): DF on datagrams that fit the
                    // MTU, fragments for those that do not.
                    out.commit(0, total <= iface.mtu());
                    stats.inc(Stat.UDP_OUT_DATAGRAMS);
                }
                e.txPending = !q.isEmpty();
                e.writable.signalAll();
                if (e.txNoSpace) {
                    e.txNoSpace = false;
                    e.wake(Events.OUT);
                }
            } finally {
                e.lock.unlock();
            }
        }
        return pending;
    }

    /** Sends the IPv6 datagram at the head of {@code q}; false when the TX ring lacks room for it (it waits). */
    private boolean flush6(UdpEndpoint e, DatagramQueue q) {
        int length = q.peekLength();
        long dstHi = q.peekAddress6Hi();
        long dstLo = q.peekAddress6Lo();
        int total = io.tapwire.wire.Ipv6Packet.HEADER_LENGTH + UdpPacket.HEADER_LENGTH + length;
        int mtu = out6.pathMtu(dstHi, dstLo);
        int chunk = (mtu - io.tapwire.wire.Ipv6Packet.HEADER_LENGTH - 8) & ~7;
        int frames = total <= mtu ? 1 : (total - io.tapwire.wire.Ipv6Packet.HEADER_LENGTH + chunk - 1) / chunk;
        if (iface.txAvailable() < frames + 1) {
            return false;
        }
        int dstPort = q.peekPort();
        io.tapwire.wire.Ipv6Address src = addresses6 == null ? null : addresses6.sourceFor(dstHi, dstLo);
        ByteBuffer b = src == null ? null : out6.begin(src, dstHi, dstLo, io.tapwire.wire.Ipv6Packet.NH_UDP, UdpPacket.HEADER_LENGTH + length);
        if (b == null) {
            if (src == null) {
                stats.inc(Stat.IP6_OUT_NO_ROUTES);
            }
            q.skip();
            return true;
        }
        int at = out6.payloadOffset();
        q.poll(b, at + UdpPacket.HEADER_LENGTH);
        UdpPacket u = udpOut.wrapForWrite(b, at);
        u.setSrcPort(e.localPort);
        u.setDstPort(dstPort);
        u.setLength(UdpPacket.HEADER_LENGTH + length);
        u.fillChecksum6(src.hi(), src.lo(), dstHi, dstLo);
        // RFC 6437 section 3 (Linux's auto_flowlabels): one label per flow, on every fragment too.
        out6.commit(0, out6.flowLabel(src.hi(), src.lo(), dstHi, dstLo, io.tapwire.wire.Ipv6Packet.NH_UDP,
                (e.localPort << 16) | dstPort), config.ipv6HopLimit);
        stats.inc(Stat.UDP_OUT_DATAGRAMS);
        return true;
    }

    private int framesFor(int total) {
        if (total <= iface.mtu()) {
            return 1;
        }
        int chunk = (iface.mtu() - Ipv4Packet.MIN_HEADER_LENGTH) & ~7;
        return (total - Ipv4Packet.MIN_HEADER_LENGTH + chunk - 1) / chunk;
    }

    private void writeHeaderAndChecksum(ByteBuffer b, int at, int srcPort, int dst, int dstPort, int length) {
        UdpPacket u = udpOut.wrapForWrite(b, at);
        u.setSrcPort(srcPort);
        u.setDstPort(dstPort);
        u.setLength(UdpPacket.HEADER_LENGTH + length);
        u.fillChecksum(out.source(), dst);
    }
}
