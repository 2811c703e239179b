package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.socket.UdpSocket;
import io.tapwire.wire.ArpPacket;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Icmpv4Packet;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.MacAddress;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;

import static io.tapwire.sim.StackHarness.PEER;
import static io.tapwire.sim.StackHarness.PEER_MAC;
import static io.tapwire.sim.StackHarness.US;
import static io.tapwire.sim.StackHarness.US_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 100,000 seeded random and mutated frames into one stack: nothing escapes {@code poll}, no
 * internal error is hit, and every frame is accounted for as accepted or dropped by a counted
 * reason (DESIGN.md principle 5).
 */
class RobustnessTest {
    private static final int FRAMES = 100_000;

    @Test
    void hundredThousandHostileFramesAreAllAccountedFor() throws Exception {
        StackHarness h = new StackHarness(256, new StackConfig());
        UdpSocket echo = h.stack.openUdp().bind(7);
        ByteBuffer scratch = ByteBuffer.allocate(65536);
        echo.onReadable(() -> {
            try {
                io.tapwire.udp.UdpLayer.Received d;
                while ((d = echo.tryReceive(scratch)) != null) {
                    echo.trySend(scratch, 0, d.length(), d.srcAddress(), d.srcPort());
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        h.stack.listenTcp(80, 16);
        h.introducePeer();
        Statistics s = h.stack.statistics();
        long base = s.get(Stat.RX_FRAMES);
        SplittableRandom rnd = new SplittableRandom(20261123L);
        for (int i = 0; i < FRAMES; i++) {
            byte[] frame = nextFrame(rnd);
            if (!h.dev.inject(frame, h.now)) {
                h.stack.poll(h.now);
                h.dev.drainTransmitted();
                assertTrue(h.dev.inject(frame, h.now));
            }
            if (i % 64 == 0) {
                h.stack.poll(h.now);
                h.dev.drainTransmitted();
                // Let time pass so reassembly and ARP timers fire along the way.
                h.advance(rnd.nextInt(50_000_000));
            }
        }
        h.advance(60_000_000_000L);
        h.dev.drainTransmitted();

        System.out.println("robustness run:\n" + s.format());
        assertEquals(0, s.get(Stat.RX_INTERNAL_ERRORS), "no exception inside the stack");
        assertEquals(FRAMES, s.get(Stat.RX_FRAMES) - base);
        assertEquals(s.get(Stat.RX_FRAMES), s.get(Stat.RX_ACCEPTED) + s.get(Stat.RX_DROPPED));
        assertEquals(s.get(Stat.RX_DROPPED), s.drops().total(), "drop counters add up to the frames dropped");
        assertTrue(s.get(Stat.RX_DROPPED) > FRAMES / 2, "most hostile frames are dropped: " + s.format());
        assertTrue(s.get(Stat.RX_ACCEPTED) > 1000, "valid frames among them are still served: " + s.format());
        assertEquals(0, h.stack.reassembler().bufferedBytes(), "partial datagrams expired");
        echo.close();
    }

    private static byte[] nextFrame(SplittableRandom rnd) {
        int kind = rnd.nextInt(10);
        if (kind == 0) {
            byte[] garbage = new byte[rnd.nextInt(0, 1515)];
            rnd.nextBytes(garbage);
            if (rnd.nextBoolean() && garbage.length >= 14) {
                MacAddress.write(ByteBuffer.wrap(garbage), 0, US_MAC);
                ByteBuffer.wrap(garbage).putShort(12, (short) (rnd.nextBoolean() ? 0x0800 : 0x0806));
            }
            return garbage;
        }
        byte[] frame = validFrame(rnd);
        switch (rnd.nextInt(6)) {
            case 0 -> frame = java.util.Arrays.copyOf(frame, rnd.nextInt(frame.length + 1));
            case 1 -> {
                int flips = 1 + rnd.nextInt(8);
                for (int f = 0; f < flips; f++) {
                    int bit = rnd.nextInt(frame.length * 8);
                    frame[bit / 8] ^= (byte) (1 << (bit % 8));
                }
            }
            case 2 -> extremeLength(rnd, frame);
            case 3 -> {
                // Mutate past the IP header, then fix the IP checksum so the damage reaches the transport.
                extremeLength(rnd, frame);
                fixIpChecksum(frame);
            }
            default -> { }
        }
        return frame;
    }

    private static void extremeLength(SplittableRandom rnd, byte[] frame) {
        ByteBuffer b = ByteBuffer.wrap(frame);
        int[] extremes = {0, 1, 7, 8, 19, 20, 0x7FFF, 0xFFFF};
        int value = extremes[rnd.nextInt(extremes.length)];
        int[] positions = {16, 14, 14 + 20 + 4, 14 + 4, 14 + 5, 14 + 6};
        int pos = positions[rnd.nextInt(positions.length)];
        if (pos == 14) {
            b.put(14, (byte) (0x40 | rnd.nextInt(16)));
        } else if (pos + 2 <= frame.length) {
            b.putShort(pos, (short) value);
        }
    }

    private static void fixIpChecksum(byte[] frame) {
        if (frame.length >= 34 && ByteBuffer.wrap(frame).getShort(12) == 0x0800) {
            Ipv4Packet ip = new Ipv4Packet().wrapForWrite(ByteBuffer.wrap(frame), 14);
            int hl = ip.headerLength();
            if (hl >= 20 && 14 + hl <= frame.length) {
                ip.fillChecksum();
            }
        }
    }

    private static byte[] validFrame(SplittableRandom rnd) {
        switch (rnd.nextInt(8)) {
            case 6:
            case 7: {
                // TCP to the listener: SYNs, and segments with random flags, sequence numbers and
                // options that hit the SYN queue, half-open and established connections.
                int flags = rnd.nextInt(3) == 0 ? 0x02 : rnd.nextInt(256);
                int seq = rnd.nextInt(4) == 0 ? 1_000_000 + rnd.nextInt(3) : rnd.nextInt();
                java.nio.ByteBuffer t = java.nio.ByteBuffer.allocate(24 + rnd.nextInt(0, 600));
                t.putShort(0, (short) (40000 + rnd.nextInt(4)));
                t.putShort(2, (short) 80);
                t.putInt(4, seq);
                t.putInt(8, rnd.nextInt());
                t.put(12, (byte) (6 << 4));
                t.put(13, (byte) flags);
                t.putShort(14, (short) rnd.nextInt(65536));
                t.putInt(20, 0x020405b4);
                long sum = io.tapwire.wire.Checksum.pseudoHeader(PEER, US, 6, t.capacity());
                t.putShort(16, (short) io.tapwire.wire.Checksum.finish(io.tapwire.wire.Checksum.add(sum, t, 0, t.capacity())));
                return ip(Frames.ipv4(PEER, US, 6, rnd.nextInt(65536), 0, 64, t.array()));
            }
            case 0:
                return Frames.ethernet(rnd.nextBoolean() ? MacAddress.BROADCAST : US_MAC, PEER_MAC, EthernetFrame.TYPE_ARP,
                        Frames.arp(1 + rnd.nextInt(2), PEER_MAC, PEER, 0, rnd.nextBoolean() ? US : PEER + 5));
            case 1:
                return ip(Frames.ipv4(PEER, US, 1, rnd.nextInt(65536), 0, 64,
                        Frames.icmpEcho(Icmpv4Packet.TYPE_ECHO_REQUEST, 1, rnd.nextInt(65536), rnd.nextInt(0, 1400))));
            case 2:
                return ip(Frames.ipv4(PEER, US, 17, rnd.nextInt(65536), 0, 64,
                        Frames.udp(PEER, US, 40000, rnd.nextBoolean() ? 7 : 9, new byte[rnd.nextInt(0, 1400)])));
            case 3: {
                byte[] payload = Frames.icmpEcho(8, 2, 3, rnd.nextInt(1500, 5000));
                List<byte[]> frags = Frames.fragments(PEER, US, 1, rnd.nextInt(64), payload, 1480);
                return ip(frags.get(rnd.nextInt(frags.size())));
            }
            case 4:
                return ip(Frames.ipv4(PEER, US, rnd.nextInt(256), rnd.nextInt(65536), 0, 64, new byte[rnd.nextInt(0, 200)]));
            default:
                return ip(Frames.ipv4(PEER, US, 1, 1, 0, 64,
                        Frames.icmpEcho(Icmpv4Packet.TYPE_DEST_UNREACHABLE, 0, 0, rnd.nextInt(0, 60))));
        }
    }

    private static byte[] ip(byte[] packet) {
        return Frames.ethernet(US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4, packet);
    }

    @Test
    void arpWithForeignHardwareTypeIsUnsupported() {
        StackHarness h = new StackHarness();
        byte[] arp = Frames.arp(ArpPacket.OP_REQUEST, PEER_MAC, PEER, 0, US);
        arp[1] = 6;
        h.inject(Frames.ethernet(MacAddress.BROADCAST, PEER_MAC, EthernetFrame.TYPE_ARP, arp));
        assertEquals(1, h.stack.statistics().get(io.tapwire.DropReason.ARP_UNSUPPORTED));
    }
}
