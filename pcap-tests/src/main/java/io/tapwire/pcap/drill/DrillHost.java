package io.tapwire.pcap.drill;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.link.VirtualDevice;

import java.util.List;

/**
 * A stack on a {@link VirtualDevice} driven on virtual time, the way the replay engine drives one:
 * every poll gets the current virtual time, time moves only to the next timer deadline the stack
 * asks for or to the next scripted instant, so a 3-second retransmission timeout takes no wall
 * time. The scripted peer sits on the other end of the wire: it answers the stack's ARP requests
 * at once, and every other frame the stack sends goes to the {@link Sink} with its virtual time.
 */
final class DrillHost {
    /** Receives what the stack transmits (ARP excepted), in order, with the poll time. */
    interface Sink {
        void transmitted(byte[] frame, long nanos);
    }

    /** Polls at one instant beyond this mean the stack spins. */
    private static final int MAX_ROUNDS = 10_000;

    private final VirtualDevice device;
    private final Stack stack;
    private final Sink sink;
    private long now;
    private long nextDeadline = Long.MAX_VALUE;
    private int ipId;

    DrillHost(StackConfig config, int mtu, Sink sink) {
        this(config, mtu, false, sink);
    }

    /**
     * @param gro the peer may deliver GRO packets ({@link #injectGro}): the device then takes
     *     frames up to 64 KB (with segmentation offload on transmit, whose super-segments it cuts
     *     back into wire segments before the script sees them)
     */
    DrillHost(StackConfig config, int mtu, boolean gro, Sink sink) {
        this.device = gro ? new VirtualDevice("drill0", mtu, 256, new io.tapwire.link.LinkOffloads(true, true, 65535))
                : new VirtualDevice("drill0", mtu, 256);
        this.stack = new Stack(device, config);
        this.sink = sink;
        // The peer introduces itself (an ARP request for the stack's address), so the stack knows
        // its MAC before the first scripted segment, as a host on a real link would.
        device.inject(WireSegment.arp(1, FreeBsdProfile.PEER_MAC, FreeBsdProfile.PEER_ADDRESS, 0, config.address,
                -1L & 0xFFFF_FFFF_FFFFL), now);
        if (config.address6 != null) {
            // Over IPv6 the same by neighbour discovery: a solicitation carrying the peer's MAC.
            device.inject(Ipv6Wire.solicitStack(FreeBsdProfile.PEER_MAC), now);
        }
        settle();
    }

    Stack stack() {
        return stack;
    }

    long now() {
        return now;
    }

    /** The next timer deadline of the stack, or {@code Long.MAX_VALUE} when it waits for nothing. */
    long nextDeadline() {
        return nextDeadline;
    }

    int nextIpId() {
        return ipId++ & 0xFFFF;
    }

    /** Delivers frames from the peer now and lets the stack process them. */
    void inject(java.util.List<byte[]> frames) {
        for (byte[] f : frames) {
            if (!device.inject(f, now)) {
                throw new IllegalStateException("the stack's RX ring is full");
            }
        }
        settle();
    }

    /**
     * Delivers one GRO packet now: an IPv4 TCP frame larger than the MTU standing for segments of
     * {@code gsoSize} payload bytes, as Linux's packetdrill hands one to its tun device with
     * {@code --mss} (the virtio header's gso_size), and lets the stack process it.
     */
    void injectGro(byte[] frame, int gsoSize) {
        if (!device.injectOffloaded(java.nio.ByteBuffer.wrap(frame), 0, frame.length, now,
                io.tapwire.link.Descriptor.CSUM_NONE, 0, 0, io.tapwire.link.Descriptor.GSO_TCPV4, gsoSize)) {
            throw new IllegalStateException("the stack's RX ring is full");
        }
        settle();
    }

    /**
     * A transmit queue that takes nothing ({@code tc qdisc ... pfifo limit 0}): while {@code on}
     * the stack can claim no transmit descriptor, so every segment it tries is dropped locally
     * and it knows (Linux's NET_XMIT_DROP).
     */
    void refuseTransmits(boolean on) {
        device.txRing().refuseClaims(on);
    }

    /** Runs the stack at the current time until it has nothing more to do now. */
    void settle() {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            long next = stack.poll(now);
            List<byte[]> out = device.drainTransmitted();
            boolean injected = false;
            for (byte[] f : out) {
                injected |= handle(f);
            }
            if (next > now && !injected) {
                nextDeadline = next;
                return;
            }
        }
        throw new IllegalStateException("the stack makes no progress at " + Micros.formatNanos(now) + " s");
    }

    /** Moves time to {@code t}, running every timer due on the way at its own time. */
    void advanceTo(long t) {
        while (nextDeadline <= t) {
            now = Math.max(now, nextDeadline);
            settle();
        }
        if (t > now) {
            now = t;
            settle();
        }
    }

    /** Moves time to the next timer deadline if it is no later than {@code limit}; false if there is none. */
    boolean step(long limit) {
        if (nextDeadline > limit || nextDeadline == Long.MAX_VALUE) {
            return false;
        }
        now = Math.max(now, nextDeadline);
        settle();
        return true;
    }

    /**
     * Answers ARP and neighbour solicitations for the peer and keeps neighbour discovery and MLD
     * to itself; passes anything else on. Returns true if it injected a reply.
     */
    private boolean handle(byte[] f) {
        if (Ipv6Wire.isControl(f)) {
            byte[] answer = Ipv6Wire.answerSolicitation(f, FreeBsdProfile.PEER_MAC);
            if (answer != null) {
                device.inject(answer, now);
                return true;
            }
            return false;
        }
        if (f.length >= WireSegment.ETH_HEADER + 28 && WireSegment.u16(f, 12) == WireSegment.TYPE_ARP) {
            int a = WireSegment.ETH_HEADER;
            int op = WireSegment.u16(f, a + 6);
            int target = WireSegment.s32(f, a + 24);
            if (op == 1 && target == FreeBsdProfile.PEER_ADDRESS) {
                long senderMac = WireSegment.mac(f, a + 8);
                int senderIp = WireSegment.s32(f, a + 14);
                device.inject(WireSegment.arp(2, FreeBsdProfile.PEER_MAC, FreeBsdProfile.PEER_ADDRESS, senderMac, senderIp, senderMac),
                        now);
                return true;
            }
            return false;
        }
        sink.transmitted(f, now);
        return false;
    }
}
