package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.link.LinkOffloads;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6Packet;
import io.tapwire.wire.TcpSegment;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * TCP segmentation offload over IPv6 (Linux's TSO6, virtio-net's GSO_TCPV6) on the virtual wire:
 * a stack whose device offloads hands it IPv6 super-segments with partial checksums over the IPv6
 * pseudo-header; what crosses the wire after the device cut them must be exactly what a stack
 * without offloads sends, and a receiver fed them uncut must take them as their data.
 */
class Offload6SimulationTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1_000 * MS;
    private static final Ipv6Address A6 = Ipv6Address.parse("fd00::1");
    private static final Ipv6Address B6 = Ipv6Address.parse("fd00::2");
    /** What a TAP opened with IFF_VNET_HDR and TUN_F_TSO6 declares. */
    private static final LinkOffloads TSO = new LinkOffloads(true, true, 65535);

    /** One TCP segment as seen on the wire. */
    private record WireSegment(int seq, int ack, int flags, int window, int payload) {
    }

    @Test
    void ipv6SuperSegmentsAreCutIntoTheSegmentsAStackWithoutOffloadsWouldSend() throws Exception {
        Run plain = run(LinkOffloads.NONE, 1500, 1500);
        Run offloaded = run(TSO, 1500, 1500);
        assertEquals(0, plain.superSegments, "no offloads, no super-segments");
        assertTrue(offloaded.superSegments > 10, "the sender used super-segments: " + offloaded.superSegments);
        assertTrue(offloaded.largestHandedToDevice > 20_000,
                "super-segments of many MSS: largest " + offloaded.largestHandedToDevice);
        assertArrayEquals(plain.digest, offloaded.digest, "the same bytes arrived");
        assertEquals(plain.dataSegments.size(), offloaded.dataSegments.size(), "as many wire segments");
        for (int i = 0; i < plain.dataSegments.size(); i++) {
            assertEquals(plain.dataSegments.get(i), offloaded.dataSegments.get(i),
                    "wire segment " + i + " (sequence and ack relative to the first, flags, window, length)");
        }
        assertEquals(plain.outSegs, offloaded.outSegs, "OutSegs counts wire segments, as Linux counts tcp_skb_pcount");
        assertEquals(0, offloaded.ipv4Frames, "the connection was IPv6 only");
    }

    @Test
    void everyIpv6FrameOnTheWireIsWireSizedWithValidChecksums() throws Exception {
        Run offloaded = run(TSO, 1500, 1500);
        assertEquals(0, offloaded.badChecksums, "frames with a bad TCP checksum over the IPv6 pseudo-header");
        assertTrue(offloaded.largestOnWire <= 1514, "largest frame on the wire " + offloaded.largestOnWire);
        assertTrue(offloaded.largestDataPayload == 1440 - 12, "full segments of MSS 1440 less timestamps: " + offloaded.largestDataPayload);
        assertEquals(0, offloaded.receiverChecksumDrops, "the receiver dropped nothing for its checksum");
        assertEquals(0, offloaded.fragments, "TCP super-segments are cut, never fragmented");
    }

    @Test
    void superSegmentsAreCutAtThePeersMssEvenWhenTwoSegmentsWouldFitTheLinkMtu() throws Exception {
        // B's link carries 700 bytes: it offers MSS 640 (700 - 40 - 20), 628 with timestamps. A's
        // link carries 1500, so a super-segment of two such segments (1256 bytes of data) fits
        // A's MTU whole: the device must still cut it at gso_size, never send it as one segment.
        Run offloaded = run(TSO, 1500, 700);
        assertTrue(offloaded.superSegments > 10, "the sender used super-segments: " + offloaded.superSegments);
        assertEquals(628, offloaded.largestDataPayload, "no segment carried more than the peer's MSS");
        assertTrue(offloaded.largestOnWire <= 14 + 700, "largest frame on the wire " + offloaded.largestOnWire);
    }

    @Test
    void ipv6SuperFramesDeliveredUncutAreReceivedAsTheirDataAndCountedAsWireSegments() throws Exception {
        VirtualNet net = net(TSO, TSO, 1500, 1500);
        net.superFramesFromA = true;
        TcpListener l = net.b.listenTcp(9, 16);
        TcpSocket[] c = connect(net, l);
        byte[] up = pattern(8 << 20, 3);
        byte[] got = transfer(net, c[0], c[1], up, 120 * SEC);
        assertArrayEquals(sha256(up), sha256(got));
        assertTrue(net.devA.superSegments() > 10, "super-frames crossed: " + net.devA.superSegments());
        assertEquals(0, net.b.statistics().get(DropReason.TCP_BAD_CHECKSUM),
                "partial checksums over the IPv6 pseudo-header were trusted, not verified");
        assertEquals(0, net.a.statistics().get(Stat.TCP_RETRANS_SEGS), "nothing was lost or retransmitted");
        assertEquals(c[0].tcpInfo().dataSegsOut(), c[1].tcpInfo().dataSegsIn(), "data segments out at A = in at B");
        assertEquals(c[0].tcpInfo().sndMss(), c[1].tcpInfo().rcvMss(), "rcvmss measured from gso_size");
    }

    @Test
    void ipv6PayloadReadStraightIntoTheReceiveRingArrivesByteExact() throws Exception {
        // B's device splits headers from payload as a TAP does and overwrites what it moved to the
        // ring in the descriptor, so data taken from anywhere else would not hash right.
        VirtualNet net = VirtualNet.splittingAtB(TSO, TSO, c -> c.address6 = A6, c -> c.address6 = B6);
        net.runFor(2100 * MS);   // duplicate address detection
        net.superFramesFromA = true;
        int[] seen = {0};
        net.superFrameFilter = (fromA, frame) -> frame.length > 1000 && ++seen[0] % 31 == 0; // every 31st data frame lost
        TcpListener l = net.b.listenTcp(9, 16);
        TcpSocket[] c = connect(net, l);
        byte[] up = pattern(8 << 20, 4);
        byte[] got = transfer(net, c[0], c[1], up, 300 * SEC);
        assertArrayEquals(sha256(up), sha256(got));
        assertTrue(net.dropped > 5, "frames lost: " + net.dropped);
        assertTrue(net.devB.placedFrames() > 50, "IPv6 frames whose payload went straight to the ring: " + net.devB.placedFrames());
    }

    /** Everything one transfer showed. */
    private static final class Run {
        final List<WireSegment> dataSegments = new ArrayList<>();
        byte[] digest;
        long superSegments;
        long outSegs;
        int largestOnWire;
        int largestHandedToDevice;
        int largestDataPayload;
        int badChecksums;
        int ipv4Frames;
        int fragments;
        int firstSeq;
        int firstAck;
        long receiverChecksumDrops;
    }

    private static VirtualNet net(LinkOffloads offloadsA, LinkOffloads offloadsB, int mtuA, int mtuB) {
        Consumer<StackConfig> ca = c -> c.address6 = A6;
        Consumer<StackConfig> cb = c -> c.address6 = B6;
        VirtualNet net = VirtualNet.withMtus(mtuA, mtuB, offloadsA, offloadsB, ca, cb);
        // Duplicate address detection: a random delay below 1 s, one probe, retrans_time (1 s).
        net.runFor(2100 * MS);
        return net;
    }

    /** 4 MB from A to B over IPv6; A's device offloads as given; records the wire from A. */
    private static Run run(LinkOffloads offloadsA, int mtuA, int mtuB) throws Exception {
        VirtualNet net = net(offloadsA, LinkOffloads.NONE, mtuA, mtuB);
        Run run = new Run();
        TcpSegment seg = new TcpSegment();
        Ipv6Packet ip = new Ipv6Packet();
        net.filter = (fromA, frame) -> {
            if (!fromA) {
                return false;
            }
            run.largestOnWire = Math.max(run.largestOnWire, frame.length);
            ByteBuffer b = ByteBuffer.wrap(frame);
            int type = frame.length < 14 ? 0 : b.getShort(12) & 0xFFFF;
            if (type == 0x0800 && frame.length >= 34 && (b.get(14 + 9) & 0xFF) == Ipv4Packet.PROTO_TCP) {
                run.ipv4Frames++;
            }
            if (type != 0x86DD || ip.wrap(b, 14, frame.length - 14) != null) {
                return false;
            }
            if (ip.nextHeader() == Ipv6Packet.NH_FRAGMENT) {
                run.fragments++;
            }
            if (ip.nextHeader() != Ipv6Packet.NH_TCP) {
                return false;
            }
            if (seg.wrap(b, ip.payloadOffset(), ip.payloadLength()) == null) {
                if (!seg.checksumValid6(ip.srcHi(), ip.srcLo(), ip.dstHi(), ip.dstLo())) {
                    run.badChecksums++;
                }
                if (seg.payloadLength() > 0) {
                    if (run.dataSegments.isEmpty()) {
                        run.firstSeq = seg.seq();
                        run.firstAck = seg.ack();
                    }
                    run.largestDataPayload = Math.max(run.largestDataPayload, seg.payloadLength());
                    run.dataSegments.add(new WireSegment(seg.seq() - run.firstSeq, seg.ack() - run.firstAck,
                            seg.flags(), seg.window(), seg.payloadLength()));
                }
            }
            return false;
        };
        TcpListener l = net.b.listenTcp(9, 16);
        TcpSocket[] c = connect(net, l);
        byte[] up = pattern(4 << 20, 1);
        long before = net.a.statistics().get(Stat.TCP_OUT_SEGS);
        byte[] got = transfer(net, c[0], c[1], up, 120 * SEC);
        run.outSegs = net.a.statistics().get(Stat.TCP_OUT_SEGS) - before;
        run.digest = sha256(got);
        assertArrayEquals(sha256(up), run.digest, "byte-exact");
        run.superSegments = net.devA.superSegments();
        run.largestHandedToDevice = net.devA.largestTransmitted();
        run.receiverChecksumDrops = net.b.statistics().get(DropReason.TCP_BAD_CHECKSUM);
        return run;
    }

    private static TcpSocket[] connect(VirtualNet net, TcpListener listener) throws Exception {
        TcpSocket client = net.a.connectTcp(B6, listener.port(), SocketOptions.defaults());
        net.runUntil(() -> client.state() == TcpState.ESTABLISHED, 5 * SEC);
        net.runFor(MS);
        TcpSocket server = listener.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(server, "accepted");
        assertEquals(A6, server.tcb().ipv6().remote(), "the connection is IPv6");
        return new TcpSocket[] {client, server};
    }

    /** Writes all of {@code data} in 64 KB calls, reading on the other side, one virtual ms per round. */
    private static byte[] transfer(VirtualNet net, TcpSocket from, TcpSocket to, byte[] data, long maxNanos) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        int sent = 0;
        long end = net.clock.nanoTime() + maxNanos;
        while (got.size() < data.length) {
            if (sent < data.length) {
                sent += from.tryWrite(data, sent, Math.min(65536, data.length - sent));
            }
            net.runFor(MS);
            int n;
            while ((n = to.tryRead(buf, 0, buf.length)) > 0) {
                got.write(buf, 0, n);
            }
            if (net.clock.nanoTime() >= end) {
                fail("gave up waiting (virtual time): " + got.size() + " of " + data.length + " bytes arrived");
            }
        }
        return got.toByteArray();
    }

    private static byte[] pattern(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }
}
