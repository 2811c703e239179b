package io.tapwire.sim;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Icmpv4Packet;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;

import java.nio.ByteBuffer;

import static io.tapwire.sim.StackHarness.PEER;
import static io.tapwire.sim.StackHarness.PEER_MAC;
import static io.tapwire.sim.StackHarness.US;
import static io.tapwire.sim.StackHarness.US_MAC;

/**
 * The structured receive-path fuzz targets' input: steps that the fuzzer chooses field by field.
 * Most are TCP segments for the prepared connection's 4-tuple (or a few neighbouring peer ports)
 * whose sequence and acknowledgment numbers are offsets from what the stack last sent on that port
 * (its ACK is our RCV.NXT there, its sequence end our SND.NXT), with fuzzed flags, window, urgent
 * pointer, options (well-formed ones built from values, or raw bytes) and payload length, and a
 * correct checksum, so they get past validation into the state machine: handshakes complete,
 * data lands in and out of the window, SACK blocks and timestamps meet PAWS. Between them: time
 * steps, the application's calls (accept, write, read, shutdown, close, abort), ICMP errors quoting
 * one of the stack's segments (RFC 5927), IP fragments, raw frames, and floods (bursts of SYNs or
 * fragments) that make the counted limits reachable.
 */
final class SegmentSteps {
    private static final int[] PEER_PORTS = {FuzzedStack.PEER_PORT, FuzzedStack.PEER_PORT + 1, FuzzedStack.PEER_PORT + 2,
        FuzzedStack.PEER_PORT + 3};

    private SegmentSteps() {
    }

    /** Runs the steps {@code data} describes on {@code stack}, checking the invariants after each. */
    static void run(FuzzedStack stack, FuzzedDataProvider data) {
        for (int step = 0; step < FuzzedStack.MAX_STEPS && data.remainingBytes() > 0
                && stack.framesInjected() < FuzzedStack.MAX_FRAMES; step++) {
            int op = data.consumeInt(0, 15);
            switch (op) {
                case 7 -> stack.inject(fragment(data, data.consumeInt(0, 65535), -1));
                case 8 -> stack.advance(timeStep(data));
                case 9 -> stack.acceptOne();
                case 10 -> stack.appWrite(data.consumeInt(1, 64 * 1024));
                case 11 -> stack.appRead();
                case 12 -> {
                    switch (data.consumeInt(0, 2)) {
                        case 0 -> stack.appShutdownOutput();
                        case 1 -> stack.appClose(false);
                        default -> stack.appClose(true);
                    }
                }
                case 13 -> stack.inject(icmpError(stack, data));
                case 14 -> stack.inject(data.consumeBytes(data.consumeInt(0, 1514)));
                case 15 -> flood(stack, data);
                default -> stack.inject(segment(stack, data));
            }
            stack.check("after step " + step + " (op " + op + ")");
        }
    }

    private static long timeStep(FuzzedDataProvider data) {
        return data.pickValue(FrameRecords.TIME_STEPS) * 1_000_000L + data.consumeInt(0, 999_999);
    }

    /**
     * An offset from a base sequence number: none half the time (so most segments are acceptable
     * and reach the state machine's later steps), else small, window-sized, at the 2^31 and 2^30
     * edges, or anything.
     */
    private static int delta(FuzzedDataProvider data) {
        return switch (data.consumeInt(0, 7)) {
            case 4 -> data.consumeInt(-3000, 3000);
            case 5 -> data.consumeInt(-(1 << 22), 1 << 22);
            case 6 -> data.consumeBoolean() ? Integer.MIN_VALUE + data.consumeInt(-3, 3) : data.consumeInt(-1, 1) + (1 << 30);
            case 7 -> data.consumeInt();
            default -> 0;
        };
    }

    private static byte[] segment(FuzzedStack stack, FuzzedDataProvider data) {
        int port = peerPort(data);
        int dstPort = data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 65535) : FuzzedStack.LISTEN_PORT;
        FuzzedStack.Sent sent = stack.sent.get(port);
        int rcvNxt = sent != null && sent.acked ? sent.ack : FuzzedStack.PEER_ISS;
        int sndNxt = sent != null ? sent.nextSeq : 0;
        int seq = rcvNxt + delta(data);
        int ack = sndNxt + delta(data);
        int flags = data.consumeInt(0, 255);
        int window = data.consumeInt(0, 65535);
        int urgent = data.consumeInt(0, 7) == 0 ? data.consumeInt(0, 65535) : 0;
        byte[] options = switch (data.consumeInt(0, 3)) {
            case 0 -> new byte[0];
            case 1, 2 -> options(stack, sent, sndNxt, data);
            default -> data.consumeBytes(data.consumeInt(0, TcpOptions.MAX_LENGTH));
        };
        byte[] payload = new byte[data.consumeInt(0, 3) == 0 ? data.consumeInt(0, 1460) : data.consumeInt(0, 3) * 100];
        byte[] frame = FuzzedStack.segment(port, dstPort, seq, ack, flags, window, urgent, options, payload);
        if (data.consumeInt(0, 31) == 0) {
            // A reserved bit or a wrong data offset, checksum still right.
            int tcp = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;
            frame[tcp + TcpSegment.DATA_OFFSET] = (byte) data.consumeInt(0, 255);
            byte[] segment = java.util.Arrays.copyOfRange(frame, tcp, frame.length);
            FuzzedStack.fillTcpChecksum(segment);
            System.arraycopy(segment, 0, frame, tcp, segment.length);
        }
        return frame;
    }

    /**
     * Half the time the prepared connection's port, else one of three neighbours (connections of
     * their own) or, one time in eight, any of 1024 more: enough SYNs from distinct ports in one
     * input to overflow the SYN and accept queues.
     */
    private static int peerPort(FuzzedDataProvider data) {
        int choice = data.consumeInt(0, 7);
        if (choice < 4) {
            return FuzzedStack.PEER_PORT;
        }
        return choice < 7 ? PEER_PORTS[choice - 3] : FuzzedStack.PEER_PORT + data.consumeInt(4, 1027);
    }

    /**
     * A burst of up to 64 frames in one step, as the flooding tools send them: SYNs from distinct
     * ports (the SYN and accept queues, tcp_max_syn_backlog), the fragments of distinct datagrams
     * (ipfrag_high_thresh, ipfrag_max_queues), or one segment repeated. Limits that count are only
     * reached by many frames, which single steps found by coverage alone rarely add up to.
     */
    private static void flood(FuzzedStack stack, FuzzedDataProvider data) {
        int kind = data.consumeInt(0, 2);
        int count = data.consumeInt(1, 64);
        int base = data.consumeInt(0, 65535);
        byte[] repeated = kind == 2 ? segment(stack, data) : null;
        for (int i = 0; i < count && stack.framesInjected() < FuzzedStack.MAX_FRAMES; i++) {
            stack.inject(switch (kind) {
                case 0 -> FuzzedStack.segment(FuzzedStack.PEER_PORT + 2000 + ((base + i) & 0x3FFF), FuzzedStack.LISTEN_PORT,
                        base * 7919 + i, 0, TcpSegment.SYN, 65535, 0, new byte[0], new byte[0]);
                case 1 -> fragment(data, base + i, i);
                default -> repeated;
            });
        }
    }

    /**
     * An IP fragment from the peer with a correct header checksum: datagram {@code ident}, at
     * block {@code index} of 185 words when that is not negative, else at any offset chosen by the
     * fuzzer, more-fragments or not, a payload of whole 8-byte blocks (or not), for the reassembly
     * queue's limits (ipfrag_high_thresh, ipfrag_max_queues) and its overlap rules.
     */
    private static byte[] fragment(FuzzedDataProvider data, int ident, int index) {
        int protocol = data.pickValue(new int[] {Ipv4Packet.PROTO_ICMP, Ipv4Packet.PROTO_UDP, Ipv4Packet.PROTO_TCP, 99});
        int offsetWords = index >= 0 ? index * 185 % 8000 : data.consumeBoolean() ? data.consumeInt(0, 8) * 185
                : data.consumeInt(0, Ipv4Packet.FRAGMENT_OFFSET_MASK);
        int flags = (index < 0 && data.consumeInt(0, 3) == 0 ? 0 : Ipv4Packet.FLAG_MF) | offsetWords;
        int length = index >= 0 ? 1480 : data.consumeInt(0, 7) == 0 ? data.consumeInt(0, 1480) : data.consumeInt(0, 185) * 8;
        byte[] payload = new byte[length];
        java.util.Arrays.fill(payload, (byte) ident);
        return Frames.ethernet(US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4, Frames.ipv4(PEER, US, protocol, ident & 0xFFFF, flags, 64,
                payload));
    }

    /** Well-formed options in Linux's layout, with values chosen around what the connection expects. */
    private static byte[] options(FuzzedStack stack, FuzzedStack.Sent sent, int sndNxt, FuzzedDataProvider data) {
        TcpOptions o = new TcpOptions();
        if (data.consumeBoolean()) {
            o.setMss(data.consumeInt(0, 3) == 0 ? data.consumeInt(0, 65535) : 536 + data.consumeInt(0, 1000));
        }
        if (data.consumeBoolean()) {
            o.setWindowScale(data.consumeInt(0, TcpOptions.MAX_WINDOW_SCALE));
        }
        o.setSackPermitted(data.consumeBoolean());
        if (data.consumeInt(0, 3) != 0) {
            int ecr = sent != null && sent.hasTs ? sent.tsVal : 0;
            // TSval mostly at or just past the peer's clock (passes PAWS, RFC 7323 section 5), sometimes anywhere.
            int tsVal = stack.peerTsVal() + (data.consumeInt(0, 3) == 0 ? delta(data) : data.consumeInt(0, 100));
            o.setTimestamps(tsVal, ecr + (data.consumeBoolean() ? 0 : delta(data)));
        }
        int blocks = data.consumeInt(0, TcpOptions.MAX_SACK_BLOCKS);
        for (int b = 0; b < blocks; b++) {
            // SACK blocks around the stack's data in flight: below SND.NXT, with D-SACKs and nonsense mixed in.
            int left = sndNxt - data.consumeInt(0, FuzzedStack.IN_FLIGHT + 2000) + (data.consumeInt(0, 7) == 0 ? delta(data) : 0);
            int right = left + data.consumeInt(-10, 3000);
            o.addSackBlock(left, right);
        }
        byte[] b = new byte[o.encodedLength()];
        o.write(ByteBuffer.wrap(b), 0);
        return b;
    }

    /**
     * An ICMP error from the peer quoting a TCP segment of the stack's (RFC 792: the IP header and
     * the first 8 bytes), with a sequence number around what the stack has sent, as RFC 5927's
     * attacks and real path MTU discovery send.
     */
    private static byte[] icmpError(FuzzedStack stack, FuzzedDataProvider data) {
        int port = peerPort(data);
        FuzzedStack.Sent sent = stack.sent.get(port);
        int seq = (sent != null ? sent.nextSeq : 0) - data.consumeInt(0, FuzzedStack.IN_FLIGHT) + (data.consumeBoolean() ? 0 : delta(data));
        int type = data.pickValue(new int[] {Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.TYPE_TIME_EXCEEDED, 4, 12,
            data.consumeInt(0, 255)});
        int code = data.consumeInt(0, 3) == 0 ? data.consumeInt(0, 255) : Icmpv4Packet.CODE_FRAGMENTATION_NEEDED;
        int nextHopMtu = data.consumeInt(0, 3) == 0 ? data.consumeInt(0, 65535) : 68 + data.consumeInt(0, 1500);
        ByteBuffer quoted = ByteBuffer.allocate(Ipv4Packet.MIN_HEADER_LENGTH + 8);
        Ipv4Packet.writeHeader(quoted, 0, 0, Ipv4Packet.MIN_HEADER_LENGTH + 20 + data.consumeInt(0, 1460), data.consumeInt(0, 65535),
                Ipv4Packet.FLAG_DF, 64, Ipv4Packet.PROTO_TCP, US, PEER);
        quoted.putShort(20, (short) FuzzedStack.LISTEN_PORT);
        quoted.putShort(22, (short) port);
        quoted.putInt(24, seq);
        ByteBuffer icmp = ByteBuffer.allocate(Icmpv4Packet.HEADER_LENGTH + quoted.capacity());
        icmp.put(Icmpv4Packet.HEADER_LENGTH, quoted.array());
        Icmpv4Packet p = new Icmpv4Packet().wrapForWrite(icmp, 0, icmp.capacity());
        p.setType(type);
        p.setCode(code);
        p.setRest(nextHopMtu & 0xFFFF);
        p.fillChecksum();
        return Frames.ethernet(US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4, Frames.ipv4(PEER, US, Ipv4Packet.PROTO_ICMP,
                data.consumeInt(0, 65535), 0, 64, icmp.array()));
    }
}
