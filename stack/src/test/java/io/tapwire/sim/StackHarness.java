package io.tapwire.sim;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.link.VirtualDevice;
import io.tapwire.wire.ArpPacket;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.MacAddress;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * One stack on an unjoined virtual device: a test injects frames from a scripted peer
 * (10.0.0.1, 02:00:00:00:00:01) and inspects what the stack transmits.
 */
final class StackHarness {
    static final int PEER = Ipv4Address.parse("10.0.0.1");
    static final long PEER_MAC = MacAddress.parse("02:00:00:00:00:01");
    static final int US = Ipv4Address.parse("10.0.0.2");
    static final long US_MAC = MacAddress.parse("02:00:00:00:00:02");

    final VirtualDevice dev;
    final Stack stack;
    long now = 1_000_000_000L;

    StackHarness() {
        this(256, new StackConfig());
    }

    StackHarness(int ringSize, StackConfig config) {
        this(ringSize, config, true);
    }

    /**
     * @param quietIpv4 a quiet IPv4 stack for scripted peers: no DAD or MLD at start (Linux's
     *     disable_ipv6=1) unless the config has an IPv6 address; false leaves IPv6 as configured
     */
    StackHarness(int ringSize, StackConfig config, boolean quietIpv4) {
        config.address = US;
        config.mac = US_MAC;
        config.arpGratuitousAtStart = false;
        if (quietIpv4) {
            config.disableIpv6 = true;
        }
        dev = new VirtualDevice("harness", 1500, ringSize);
        stack = new Stack(dev, config);
    }

    /** Injects an IPv4 packet from the peer's MAC to ours and polls. */
    void injectIp(byte[] ipPacket) {
        inject(Frames.ethernet(US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4, ipPacket));
    }

    /**
     * While set, injected frames wait in the RX ring without a poll, as they do while the stack
     * thread is not running (descheduled, a GC pause); the next {@link #advance} takes them.
     */
    boolean stalled;

    void inject(byte[] frame) {
        if (!dev.inject(frame, now)) {
            throw new AssertionError("RX ring full");
        }
        if (!stalled) {
            stack.poll(now);
        }
    }

    /** Teaches the stack the peer's MAC the way a real peer would: by asking for ours. */
    void introducePeer() {
        inject(Frames.ethernet(MacAddress.BROADCAST, PEER_MAC, EthernetFrame.TYPE_ARP,
                Frames.arp(ArpPacket.OP_REQUEST, PEER_MAC, PEER, 0, US)));
        transmitted();
    }

    /** Advances virtual time, polling at each deadline on the way. */
    void advance(long nanos) {
        long end = now + nanos;
        while (true) {
            long next = stack.poll(now);
            if (next > end) {
                now = end;
                stack.poll(now);
                return;
            }
            now = Math.max(next, now + 1);
        }
    }

    List<byte[]> transmitted() {
        stack.poll(now);
        return dev.drainTransmitted();
    }

    static ByteBuffer wrap(byte[] frame) {
        return ByteBuffer.wrap(frame);
    }
}
