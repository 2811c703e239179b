package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.socket.UdpSocket;
import io.tapwire.tcp.TcpProbe;
import io.tapwire.tcp.TcpState;
import io.tapwire.udp.UdpLayer;
import io.tapwire.wire.Checksum;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.tapwire.sim.StackHarness.PEER;
import static io.tapwire.sim.StackHarness.PEER_MAC;
import static io.tapwire.sim.StackHarness.US;
import static io.tapwire.sim.StackHarness.US_MAC;
import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.FIN;
import static io.tapwire.wire.TcpSegment.SYN;

/**
 * One stack, prepared in a TCP state, that the receive-path fuzz targets feed with frames and
 * check after every step: nothing escapes {@code poll} (RX_INTERNAL_ERRORS stays 0), every frame
 * is accounted for (RX_FRAMES grows by the frames injected, RX_FRAMES = RX_ACCEPTED + RX_DROPPED,
 * RX_DROPPED = the sum of the drop reasons), memory stays bounded (connections, ring bytes,
 * reassembly bytes) and every frame the stack emits is well formed.
 *
 * <p>Deterministic: fixed MACs, addresses, ISN secret and seed, virtual time starting at 1 s, so a
 * fuzzer's finding replays exactly. Small limits (a 16-slot ring, 16 KiB socket buffers, a SYN
 * backlog of 8, an accept backlog of 2, 16 KiB of reassembly) let short inputs reach the
 * full-queue and full-buffer paths, and the memory bounds they check can be crossed if a limit
 * were not enforced.
 *
 * <p>The prepared states: {@link Prepared#LISTEN} (a TCP listener on port 80 and a UDP echo on
 * port 7), {@link Prepared#ESTABLISHED} (one accepted connection from the peer's port 40000 with
 * timestamps, SACK and window scaling; 8 KiB of the stack's data in flight, unacknowledged; and
 * 500 bytes from the peer held out of order behind a 1000-byte hole), and
 * {@link Prepared#TIME_WAIT} (the same connection closed by the stack first and finished by the
 * peer's FIN).
 */
final class FuzzedStack {
    enum Prepared { LISTEN, ESTABLISHED, TIME_WAIT }

    static final int LISTEN_PORT = 80;
    static final int UDP_ECHO_PORT = 7;
    static final int PEER_PORT = 40000;
    static final int PEER_ISS = 1_000_000;
    static final int PEER_WSCALE = 7;
    static final int PEER_TS_START = 5000;
    static final int BACKLOG = 2;
    static final int SYN_BACKLOG = 8;
    static final int SOCKET_BUFFER = 16 * 1024;
    /** Small enough that the fragments of one input (at most {@link #MAX_STEPS}) can reach it. */
    static final int IPFRAG_HIGH_THRESH = 16 * 1024;
    static final int IN_FLIGHT = 8 * 1024;
    /** Steps (frames, bursts, time steps, application calls) one input may take: bounds its cost. */
    static final int MAX_STEPS = 64;
    /** Frames one input may inject (bursts inject many per step). */
    static final int MAX_FRAMES = 256;
    private static final int RING = 16;
    private static final byte[] WRITE_DATA = new byte[64 * 1024];

    /** What the stack last sent to one peer port: where its sequence space and ACK stand, its TSval. */
    static final class Sent {
        int nextSeq;
        int ack;
        boolean acked;
        int tsVal;
        boolean hasTs;
    }

    final Prepared prepared;
    final StackConfig config;
    final StackHarness h;
    final Statistics stats;
    final TcpListener listener;
    private final UdpSocket echo;
    /** Connections the application holds (accepted or prepared), most recent last. */
    final List<TcpSocket> sockets = new ArrayList<>();
    final Map<Integer, Sent> sent = new HashMap<>();
    /** The peer's timestamp clock, one tick per virtual millisecond from PEER_TS_START. */
    private final long tsOrigin;
    private final byte[] readScratch = new byte[64 * 1024];
    private final ByteBuffer udpScratch = ByteBuffer.allocate(65536);
    /** RX_FRAMES when preparation ended (-1 before), and frames injected since. */
    private long framesBase = -1;
    private long framesInjected;
    private final List<String> log = new ArrayList<>();

    FuzzedStack(Prepared prepared) {
        this.prepared = prepared;
        this.config = new StackConfig();
        config.tcpIsnSecret = 0x66757a7aL;
        config.seed = 0x66757a7aL;
        config.tcpMaxSynBacklog = SYN_BACKLOG;
        config.tcpRmemDefault = SOCKET_BUFFER;
        config.tcpWmemDefault = SOCKET_BUFFER;
        config.tcpBufferSegments = 0; // exactly SOCKET_BUFFER, below 20 segments of the MSS
        config.ipfragHighThresh = IPFRAG_HIGH_THRESH;
        h = new StackHarness(RING, config);
        stats = h.stack.statistics();
        tsOrigin = h.now;
        try {
            echo = h.stack.openUdp().bind(UDP_ECHO_PORT);
            echo.onReadable(this::echoDatagrams);
            listener = h.stack.listenTcp(LISTEN_PORT, BACKLOG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        h.introducePeer();
        if (prepared != Prepared.LISTEN) {
            establish();
        }
        if (prepared == Prepared.TIME_WAIT) {
            closeToTimeWait();
        }
        drain();
        framesBase = stats.get(Stat.RX_FRAMES);
        framesInjected = 0;
        check("after preparing " + prepared);
    }

    // ------------------------------------------------------------------ preparation

    private void establish() {
        peerSegment(PEER_PORT, PEER_ISS, 0, SYN, 65535, synOptions(), new byte[0]);
        Sent synAck = sent.get(PEER_PORT);
        if (synAck == null || !synAck.acked) {
            throw new AssertionError("no SYN-ACK while preparing: " + stats.format());
        }
        peerSegment(PEER_PORT, PEER_ISS + 1, synAck.nextSeq, ACK, 65535, tsOptions(PEER_PORT), new byte[0]);
        TcpSocket s = acceptOne();
        if (s == null || s.state() != TcpState.ESTABLISHED) {
            throw new AssertionError("the prepared connection was not accepted: " + stats.format());
        }
        if (prepared == Prepared.ESTABLISHED) {
            try {
                if (s.tryWrite(WRITE_DATA, 0, IN_FLIGHT) != IN_FLIGHT) {
                    throw new AssertionError("the send buffer took less than " + IN_FLIGHT + " bytes");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            drain();
            // 500 bytes beyond a 1000-byte hole: held in the out-of-order queue.
            peerSegment(PEER_PORT, PEER_ISS + 1 + 1000, sent.get(PEER_PORT).nextSeq - IN_FLIGHT, ACK, 65535,
                    tsOptions(PEER_PORT), new byte[500]);
        }
    }

    private void closeToTimeWait() {
        TcpSocket s = sockets.get(0);
        s.close();
        drain();
        Sent fin = sent.get(PEER_PORT);
        peerSegment(PEER_PORT, PEER_ISS + 1, fin.nextSeq, FIN | ACK, 65535, tsOptions(PEER_PORT), new byte[0]);
        if (s.state() != TcpState.TIME_WAIT) {
            throw new AssertionError("not in TIME_WAIT while preparing but " + s.state());
        }
    }

    private TcpOptions synOptions() {
        return new TcpOptions().setMss(1460).setSackPermitted(true).setTimestamps(peerTsVal(), 0).setWindowScale(PEER_WSCALE);
    }

    private TcpOptions tsOptions(int port) {
        Sent s = sent.get(port);
        return new TcpOptions().setTimestamps(peerTsVal(), s != null && s.hasTs ? s.tsVal : 0);
    }

    /** The peer's current TSval: a millisecond clock, as Linux's. */
    int peerTsVal() {
        return (int) (PEER_TS_START + (h.now - tsOrigin) / 1_000_000L);
    }

    private void peerSegment(int port, int seq, int ack, int flags, int window, TcpOptions opts, byte[] payload) {
        inject(segment(port, LISTEN_PORT, seq, ack, flags, window, 0, opts.encodedLength() == 0 ? new byte[0] : encode(opts),
                payload));
    }

    private static byte[] encode(TcpOptions opts) {
        byte[] b = new byte[opts.encodedLength()];
        opts.write(ByteBuffer.wrap(b), 0);
        return b;
    }

    /**
     * An Ethernet frame from the peer to the stack carrying one TCP segment with these fields; the
     * options are padded with EOL to a multiple of four bytes (at most 40), the checksum is filled.
     */
    static byte[] segment(int srcPort, int dstPort, int seq, int ack, int flags, int window, int urgent, byte[] options,
                          byte[] payload) {
        int optLen = Math.min(TcpOptions.MAX_LENGTH, (options.length + 3) & ~3);
        ByteBuffer b = ByteBuffer.allocate(TcpSegment.MIN_HEADER_LENGTH + optLen + payload.length);
        TcpSegment.writeHeader(b, 0, srcPort, dstPort, seq, ack, TcpSegment.MIN_HEADER_LENGTH + optLen, flags, window, urgent);
        b.put(TcpSegment.OPTIONS, options, 0, Math.min(options.length, optLen));
        b.put(TcpSegment.MIN_HEADER_LENGTH + optLen, payload);
        fillTcpChecksum(b.array());
        return Frames.ethernet(US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4, Frames.ipv4(PEER, US, Ipv4Packet.PROTO_TCP, 1, 0, 64,
                b.array()));
    }

    static void fillTcpChecksum(byte[] tcp) {
        ByteBuffer b = ByteBuffer.wrap(tcp);
        b.putShort(TcpSegment.CHECKSUM, (short) 0);
        long sum = Checksum.pseudoHeader(PEER, US, Ipv4Packet.PROTO_TCP, tcp.length);
        b.putShort(TcpSegment.CHECKSUM, (short) Checksum.finish(Checksum.add(sum, b, 0, tcp.length)));
    }

    // ------------------------------------------------------------------ steps

    /** Delivers one frame from the wire, lets the stack process it and checks the invariants. */
    void inject(byte[] frame) {
        if (!h.dev.inject(frame, h.now)) {
            drain();
            if (!h.dev.inject(frame, h.now)) {
                throw new AssertionError("RX ring still full after the stack ran");
            }
        }
        framesInjected++;
        drain();
        log("frame of " + frame.length + " bytes");
    }

    long framesInjected() {
        return framesInjected;
    }

    /** Moves virtual time on by {@code nanos}, running every timer due on the way. */
    void advance(long nanos) {
        long end = h.now + nanos;
        for (int rounds = 0; ; rounds++) {
            long next = h.stack.poll(h.now);
            collectTransmitted();
            if (next > end) {
                h.now = end;
                drain();
                break;
            }
            if (rounds > 100_000) {
                throw new AssertionError("the stack asks to be polled more than 100,000 times in " + nanos + " ns");
            }
            h.now = Math.max(next, h.now + 1);
        }
        log("time +" + nanos / 1_000_000 + " ms");
    }

    /** Polls at the current time until the stack has nothing left to do now, taking what it sends. */
    void drain() {
        for (int rounds = 0; ; rounds++) {
            long next = h.stack.poll(h.now);
            collectTransmitted();
            if (next > h.now && h.dev.rxRing().pending() == 0) {
                return;
            }
            if (rounds > 10_000) {
                throw new AssertionError("the stack makes no progress at " + h.now + " ns: " + stats.format());
            }
        }
    }

    /** The application takes one connection from the accept queue, if any. */
    TcpSocket acceptOne() {
        try {
            TcpSocket s = listener.accept(0, TimeUnit.NANOSECONDS);
            if (s != null) {
                sockets.add(s);
                log("accept " + s.tcb());
            }
            return s;
        } catch (IOException e) {
            return null;
        }
    }

    /** The connection the application calls act on: the most recent one it holds, or null. */
    TcpSocket current() {
        return sockets.isEmpty() ? null : sockets.get(sockets.size() - 1);
    }

    void appWrite(int length) {
        TcpSocket s = current();
        if (s == null) {
            return;
        }
        try {
            int n = s.tryWrite(WRITE_DATA, 0, Math.min(length, WRITE_DATA.length));
            log("write " + length + " -> " + n);
        } catch (IOException e) {
            log("write " + length + " -> " + e.getMessage());
        }
        drain();
    }

    void appRead() {
        TcpSocket s = current();
        if (s == null) {
            return;
        }
        try {
            int total = 0;
            for (int n; (n = s.tryRead(readScratch, 0, readScratch.length)) > 0; ) {
                total += n;
            }
            log("read " + total);
        } catch (IOException e) {
            log("read -> " + e.getMessage());
        }
        drain();
    }

    void appShutdownOutput() {
        TcpSocket s = current();
        if (s == null) {
            return;
        }
        try {
            s.shutdownOutput();
            log("shutdown output");
        } catch (IOException e) {
            log("shutdown output -> " + e.getMessage());
        }
        drain();
    }

    void appClose(boolean abort) {
        TcpSocket s = current();
        if (s == null) {
            return;
        }
        if (abort) {
            s.abort();
        } else {
            s.close();
        }
        log(abort ? "abort" : "close");
        drain();
    }

    private void echoDatagrams() {
        try {
            UdpLayer.Received d;
            while ((d = echo.tryReceive(udpScratch)) != null) {
                echo.trySend(udpScratch, 0, d.length(), d.srcAddress(), d.srcPort());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void log(String what) {
        if (log.size() < 4 * MAX_STEPS) {
            log.add(what);
        }
    }

    // ------------------------------------------------------------------ what the stack sends

    private final EthernetFrame txEth = new EthernetFrame();
    private final Ipv4Packet txIp = new Ipv4Packet();
    private final TcpSegment txTcp = new TcpSegment();
    private final TcpOptions txOpts = new TcpOptions();

    /**
     * Takes every frame the stack transmitted, checks that each is well formed (Ethernet from our
     * MAC; IPv4 with a valid header checksum; TCP that wraps, with a valid checksum) and records,
     * per peer port, the stack's next sequence number, its ACK and its TSval, which the structured
     * targets build their segments from.
     */
    private void collectTransmitted() {
        for (byte[] f : h.dev.drainTransmitted()) {
            ByteBuffer b = ByteBuffer.wrap(f);
            if (txEth.wrap(b, 0, f.length) != null || txEth.src() != US_MAC) {
                throw new AssertionError("the stack sent a malformed Ethernet frame of " + f.length + " bytes");
            }
            if (txEth.etherType() != EthernetFrame.TYPE_IPV4) {
                continue;
            }
            if (txIp.wrap(b, EthernetFrame.HEADER_LENGTH, txEth.payloadLength()) != null || !txIp.checksumValid()) {
                throw new AssertionError("the stack sent a malformed IPv4 packet: " + hex(f));
            }
            if (txIp.protocol() != Ipv4Packet.PROTO_TCP || txIp.isFragment()) {
                continue;
            }
            if (txTcp.wrap(b, txIp.payloadOffset(), txIp.payloadLength()) != null || !txTcp.checksumValid(txIp.src(), txIp.dst())) {
                throw new AssertionError("the stack sent a malformed TCP segment: " + hex(f));
            }
            Sent s = sent.get(txTcp.dstPort());
            int end = txTcp.seq() + txTcp.segmentLength();
            if (s == null) {
                s = new Sent();
                s.nextSeq = end;
                sent.put(txTcp.dstPort(), s);
            } else if (txTcp.isSyn() || io.tapwire.wire.Seq.gt(end, s.nextSeq)) {
                // A SYN starts a new sequence space on this port (a reopened connection).
                s.nextSeq = end;
            }
            if (txTcp.isAck()) {
                s.ack = txTcp.ack();
                s.acked = true;
            }
            if (txTcp.options(txOpts) == null && txOpts.hasTimestamps()) {
                s.tsVal = txOpts.tsVal();
                s.hasTs = true;
            }
        }
    }

    // ------------------------------------------------------------------ invariants

    /** Fails, naming the steps so far, when any invariant is broken. */
    void check(String when) {
        String broken = brokenInvariant();
        if (broken != null) {
            throw new AssertionError(broken + " (" + when + ", " + prepared + ")\nsteps: " + log + "\n" + stats.format());
        }
    }

    private String brokenInvariant() {
        if (stats.get(Stat.RX_INTERNAL_ERRORS) != 0) {
            return "an exception escaped into poll (RX_INTERNAL_ERRORS; io.tapwire.Stack logged its stack trace)";
        }
        long frames = stats.get(Stat.RX_FRAMES);
        if (framesBase >= 0 && frames - framesBase != framesInjected) {
            return (frames - framesBase) + " frames taken off the RX ring, " + framesInjected + " injected";
        }
        if (frames != stats.get(Stat.RX_ACCEPTED) + stats.get(Stat.RX_DROPPED)) {
            return "RX_FRAMES != RX_ACCEPTED + RX_DROPPED";
        }
        if (stats.get(Stat.RX_DROPPED) != stats.drops().total()) {
            return "RX_DROPPED != the sum of the drop reasons";
        }
        TcpProbe.Usage u = TcpProbe.usage(h.stack.tcp());
        if (u.broken() != null) {
            return u.broken();
        }
        int connectionBound = SYN_BACKLOG + BACKLOG + sockets.size();
        if (u.connections() > connectionBound) {
            return u.connections() + " connections, more than the SYN backlog, the accept backlog and the "
                    + sockets.size() + " the application holds allow (" + connectionBound + ")";
        }
        if (u.largestRing() > config.tcpRmemMax) {
            return "a connection ring of " + u.largestRing() + " bytes, above tcp_rmem max " + config.tcpRmemMax;
        }
        if (h.stack.reassembler().bufferedBytes() > IPFRAG_HIGH_THRESH) {
            return h.stack.reassembler().bufferedBytes() + " bytes in reassembly, above ipfrag_high_thresh";
        }
        if (h.stack.reassembler().pendingDatagrams() > config.ipfragMaxQueues) {
            return h.stack.reassembler().pendingDatagrams() + " partial datagrams, above ipfrag_max_queues";
        }
        return null;
    }

    private static String hex(byte[] f) {
        return java.util.HexFormat.of().formatHex(f);
    }
}
