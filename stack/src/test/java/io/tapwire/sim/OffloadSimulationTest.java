package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.link.LinkOffloads;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.TcpSegment;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TCP segmentation and checksum offload on the virtual wire: a stack whose device offloads hands
 * it super-segments with partial checksums; what crosses the wire after the device cut them must
 * be exactly what a stack without offloads sends, and a receiver fed the super-frames uncut (as
 * the kernel feeds a TAP) must take them as the data they stand for.
 */
class OffloadSimulationTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1_000 * MS;
    /** What a TAP opened with IFF_VNET_HDR declares. */
    private static final LinkOffloads TSO = new LinkOffloads(true, true, 65535);

    /** One TCP segment as seen on the wire. */
    private record WireSegment(int seq, int ack, int flags, int window, int payload) {
    }

    @Test
    void superSegmentsAreCutIntoTheSegmentsAStackWithoutOffloadsWouldSend() throws Exception {
        Run plain = run(LinkOffloads.NONE);
        Run offloaded = run(TSO);
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
    }

    @Test
    void everyFrameOnTheWireIsWireSizedWithValidChecksums() throws Exception {
        Run offloaded = run(TSO);
        assertTrue(offloaded.badChecksums == 0, offloaded.badChecksums + " frames with a bad IP or TCP checksum");
        assertTrue(offloaded.largestOnWire <= 1514, "largest frame on the wire " + offloaded.largestOnWire);
        assertEquals(0, offloaded.receiverChecksumDrops, "the receiver dropped nothing for its checksum");
    }

    @Test
    void superSegmentsAreCutAtThePeersMssEvenWhenTwoSegmentsWouldFitTheLinkMtu() throws Exception {
        // B's link carries 700 bytes: it offers MSS 660 (700 - 20 - 20), 648 with timestamps. A's
        // link carries 1500, so a super-segment of two such segments fits A's MTU whole: the
        // device must still cut it at gso_size, never send it as one segment.
        Run offloaded = run(TSO, 700);
        assertTrue(offloaded.superSegments > 10, "the sender used super-segments: " + offloaded.superSegments);
        assertEquals(648, offloaded.largestDataPayload, "no segment carried more than the peer's MSS");
        assertTrue(offloaded.largestOnWire <= 14 + 700, "largest frame on the wire " + offloaded.largestOnWire);
    }

    @Test
    void superFramesDeliveredUncutAreReceivedAsTheirDataAndAckedAtOnce() throws Exception {
        VirtualNet net = new VirtualNet(TSO, TSO);
        net.superFramesFromA = true;
        TcpListener l = net.b.listenTcp(9, 16);
        TcpSocket[] c = connect(net, l);
        byte[] up = pattern(8 << 20, 3);
        byte[] got = transfer(net, c[0], c[1], up, 120 * SEC);
        assertArrayEquals(sha256(up), sha256(got));
        assertTrue(net.devA.superSegments() > 10, "super-frames crossed: " + net.devA.superSegments());
        assertEquals(0, net.b.statistics().get(io.tapwire.DropReason.TCP_BAD_CHECKSUM),
                "partial checksums from the device were trusted, not verified");
        assertEquals(0, net.a.statistics().get(Stat.TCP_RETRANS_SEGS), "nothing was lost or retransmitted");
        // tcp_info counts wire segments on both ends, as Linux counts gso_segs: a super-frame is
        // as many data segments as it will be cut into, and rcvmss is its gso_size.
        assertEquals(c[0].tcpInfo().dataSegsOut(), c[1].tcpInfo().dataSegsIn(), "data segments out at A = in at B");
        assertTrue(c[1].tcpInfo().dataSegsIn() >= up.length / c[0].tcpInfo().sndMss(), "at least one per MSS of data");
        assertEquals(c[0].tcpInfo().sndMss(), c[1].tcpInfo().rcvMss(), "rcvmss measured from gso_size");
        // One more super-frame, long after the quick-ACK phase: it stands for many full segments,
        // so B acknowledges it at once (Linux's "more than one full frame received" rule in
        // __tcp_ack_snd_check), not after the delayed-ACK timer.
        // Past the delayed-ACK timeout (40 ms) so nothing is unacknowledged, short of the RTO so B
        // does not re-enter quick-ACK mode after idling (which would ACK anything at once).
        net.runFor(100 * MS);
        assertEquals(up.length, c[0].tcpInfo().bytesAcked());
        long superBefore = net.devA.superSegments();
        int whole = 20 * c[0].tcpInfo().sndMss(); // whole segments: no short tail for Nagle to hold
        assertEquals(whole, c[0].tryWrite(new byte[whole], 0, whole));
        net.settle(); // the same virtual instant: no timer can have fired
        assertEquals(superBefore + 1, net.devA.superSegments(), "the write left as one super-frame");
        assertEquals(up.length + whole, c[0].tcpInfo().bytesAcked(), "acknowledged without waiting for the delayed-ACK timer");
    }

    @Test
    void payloadsGatheredFromTheSendRingCrossTheWireAsCopiedOnesDo() throws Exception {
        Run copied = run(TSO);
        Run gathered = run(TSO.withGather(true));
        assertEquals(0, copied.gatheredFrames, "without txGather every payload is copied into its frame");
        assertTrue(gathered.gatheredFrames > 10, "data frames pointed into the send ring: " + gathered.gatheredFrames);
        assertArrayEquals(copied.digest, gathered.digest, "the same bytes arrived");
        assertEquals(copied.dataSegments, gathered.dataSegments, "the same wire segments");
        assertEquals(0, gathered.badChecksums, "checksums completed over the gathered bytes");
    }

    @Test
    void retransmissionsGatheredFromTheSendRingCarryTheOriginalBytes() throws Exception {
        // Every 40th data segment from A is lost: A retransmits from the ring it also sends new data from.
        Run gathered = run(TSO.withGather(true), 1500, 40);
        assertTrue(gathered.dropped > 10, "segments lost: " + gathered.dropped);
        assertTrue(gathered.gatheredFrames > 10, "data frames pointed into the send ring: " + gathered.gatheredFrames);
        assertTrue(gathered.retransmitted > 0, "A retransmitted");
        assertEquals(0, gathered.badChecksums);
    }

    @Test
    void payloadReadStraightIntoTheReceiveRingArrivesByteExact() throws Exception {
        // B's device splits headers from payload as a TAP does; it overwrites the payload it moved
        // to the ring in the descriptor, so data taken from anywhere else would not hash right.
        VirtualNet net = VirtualNet.splittingAtB(TSO, TSO);
        net.superFramesFromA = true;
        TcpListener l = net.b.listenTcp(9, 16);
        TcpSocket[] c = connect(net, l);
        byte[] up = pattern(8 << 20, 5);
        byte[] got = transfer(net, c[0], c[1], up, 120 * SEC);
        assertArrayEquals(sha256(up), sha256(got));
        assertTrue(net.devB.placedFrames() > 50, "frames whose payload went straight to the ring: " + net.devB.placedFrames());
    }

    @Test
    void placedPayloadSurvivesLossesRetransmissionsAndTwoConnectionsTakingTurns() throws Exception {
        VirtualNet net = VirtualNet.splittingAtB(TSO, TSO);
        net.superFramesFromA = true;
        int[] seen = {0};
        net.superFrameFilter = (fromA, frame) -> frame.length > 1000 && ++seen[0] % 23 == 0; // every 23rd data frame lost
        TcpListener l = net.b.listenTcp(9, 16);
        TcpSocket[] one = connect(net, l);
        TcpSocket[] two = connect(net, l);
        byte[] up1 = pattern(3 << 20, 7);
        byte[] up2 = pattern(3 << 20, 8);
        java.io.ByteArrayOutputStream got1 = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream got2 = new java.io.ByteArrayOutputStream();
        int sent1 = 0;
        int sent2 = 0;
        byte[] buf = new byte[65536];
        long end = net.clock.nanoTime() + 300 * SEC;
        while (got1.size() < up1.length || got2.size() < up2.length) {
            if (sent1 < up1.length) {
                sent1 += one[0].tryWrite(up1, sent1, Math.min(65536, up1.length - sent1));
            }
            if (sent2 < up2.length) {
                sent2 += two[0].tryWrite(up2, sent2, Math.min(65536, up2.length - sent2));
            }
            net.runFor(MS);
            int n;
            while ((n = one[1].tryRead(buf, 0, buf.length)) > 0) {
                got1.write(buf, 0, n);
            }
            while ((n = two[1].tryRead(buf, 0, buf.length)) > 0) {
                got2.write(buf, 0, n);
            }
            assertTrue(net.clock.nanoTime() < end, "transfer stalled at " + got1.size() + " and " + got2.size());
        }
        assertArrayEquals(sha256(up1), sha256(got1.toByteArray()), "first connection byte-exact");
        assertArrayEquals(sha256(up2), sha256(got2.toByteArray()), "second connection byte-exact");
        assertTrue(net.dropped > 10, "frames lost: " + net.dropped);
        assertTrue(net.a.statistics().get(Stat.TCP_RETRANS_SEGS) > 0, "A retransmitted");
        assertTrue(net.devB.placedFrames() > 50, "frames placed: " + net.devB.placedFrames());
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
        int firstSeq;
        int firstAck;
        long receiverChecksumDrops;
        long gatheredFrames;
        int dropped;
        long retransmitted;
    }

    /** 4 MB from A to B on a fresh connection; A's device offloads as given; records the wire from A. */
    private static Run run(LinkOffloads offloadsA) throws Exception {
        return run(offloadsA, 1500);
    }

    /** {@link #run(LinkOffloads)} with B's link MTU as given (A's is 1500). */
    private static Run run(LinkOffloads offloadsA, int mtuB) throws Exception {
        return run(offloadsA, mtuB, 0);
    }

    /** {@link #run(LinkOffloads, int)} losing every {@code dropEvery}-th data segment from A (0: none). */
    private static Run run(LinkOffloads offloadsA, int mtuB, int dropEvery) throws Exception {
        VirtualNet net = VirtualNet.withMtus(1500, mtuB, offloadsA, LinkOffloads.NONE, c -> { }, c -> { });
        Run run = new Run();
        TcpSegment seg = new TcpSegment();
        Ipv4Packet ip = new Ipv4Packet();
        net.filter = (fromA, frame) -> {
            if (!fromA) {
                return false;
            }
            run.largestOnWire = Math.max(run.largestOnWire, frame.length);
            ByteBuffer b = ByteBuffer.wrap(frame);
            if (frame.length < 34 || (b.getShort(12) & 0xFFFF) != 0x0800 || ip.wrap(b, 14, frame.length - 14) != null
                    || ip.protocol() != Ipv4Packet.PROTO_TCP) {
                return false;
            }
            if (!ip.checksumValid()) {
                run.badChecksums++;
            }
            if (seg.wrap(b, ip.payloadOffset(), ip.payloadLength()) == null) {
                if (!seg.checksumValid(ip.src(), ip.dst())) {
                    run.badChecksums++;
                }
                if (seg.payloadLength() > 0) {
                    if (run.dataSegments.isEmpty()) {
                        run.firstSeq = seg.seq();
                        run.firstAck = seg.ack();
                    }
                    run.largestDataPayload = Math.max(run.largestDataPayload, seg.payloadLength());
                    // Relative: each run draws its own initial sequence numbers.
                    run.dataSegments.add(new WireSegment(seg.seq() - run.firstSeq, seg.ack() - run.firstAck,
                            seg.flags(), seg.window(), seg.payloadLength()));
                    if (dropEvery > 0 && run.dataSegments.size() % dropEvery == 0) {
                        run.dropped++;
                        return true;
                    }
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
        run.receiverChecksumDrops = net.b.statistics().get(io.tapwire.DropReason.TCP_BAD_CHECKSUM);
        run.gatheredFrames = net.devA.gatheredFrames();
        run.retransmitted = c[0].tcpInfo().bytesRetrans();
        return run;
    }

    private static TcpSocket[] connect(VirtualNet net, TcpListener listener) throws Exception {
        TcpSocket client = net.a.connectTcp(VirtualNet.B_ADDR, listener.port());
        net.runUntil(() -> client.state() == TcpState.ESTABLISHED, 5 * SEC);
        net.runFor(MS);
        TcpSocket server = listener.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(server, "accepted");
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
                throw new AssertionError("transfer stalled (virtual time) at " + got.size() + " of " + data.length + " bytes");
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
