package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpInfo;
import io.tapwire.wire.TcpOptions;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One accepted connection with a scripted peer, in the shape of Linux's packetdrill tests for
 * congestion control: the peer's SYN offers MSS 1000, SACK and window scale 7, the handshake takes
 * 100 ms, and sequence numbers are written relative to our ISS. Congestion-control tests share it.
 */
final class ScriptedConnection {
    static final long MS = 1_000_000L;
    static final int PEER_ISS = 5_000_000;

    final StackHarness h;
    final TcpPeer p;
    final TcpSocket s;
    final int iss;
    /** The peer's receive window field (scaled by 7: 257 is 32896 bytes, as the scripts' "win 257"). */
    int window = 257;

    /** A connection on a stack configured by {@code configure} (over a fixed ISN secret). */
    ScriptedConnection(Consumer<StackConfig> configure) throws Exception {
        this(configure, false);
    }

    /** As above; with {@code ecn} the peer's SYN asks for ECN (ECE and CWR, RFC 3168 6.1.1). */
    ScriptedConnection(Consumer<StackConfig> configure, boolean ecn) throws Exception {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 7;
        configure.accept(c);
        h = new StackHarness(1024, c);
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 4);
        p = new TcpPeer(h, 42000);
        TcpOptions syn = new TcpOptions().setMss(1000).setSackPermitted(true).setWindowScale(7);
        p.sendWithOptions(80, PEER_ISS, 0, SYN | (ecn ? io.tapwire.wire.TcpSegment.ECE | io.tapwire.wire.TcpSegment.CWR : 0),
                32792, syn, new byte[0]);
        iss = p.one().seq();
        h.advance(100 * MS);
        ack(1);
        s = l.accept(0, TimeUnit.NANOSECONDS);
        if (s == null) {
            throw new AssertionError("the handshake did not complete");
        }
    }

    /** Absolute sequence number of relative {@code rel}. */
    int seq(int rel) {
        return iss + rel;
    }

    /** An ACK of relative {@code ack} with SACK blocks as relative (left, right) pairs. */
    void ack(int ack, int... sack) {
        ackFlags(ACK, ack, sack);
    }

    /** An ACK with extra {@code flags} (ECE, for instance). */
    void ackFlags(int flags, int ack, int... sack) {
        TcpOptions o = new TcpOptions();
        for (int i = 0; i < sack.length; i += 2) {
            o.addSackBlock(seq(sack[i]), seq(sack[i + 1]));
        }
        p.sendWithOptions(80, PEER_ISS + 1, seq(ack), flags, window, o, new byte[0]);
    }

    /** Data segments sent since the last call, as relative "start:end" strings. */
    List<String> sent() {
        return p.received().stream().filter(g -> g.payload().length > 0)
                .map(g -> (g.seq() - iss) + ":" + (g.seq() - iss + g.payload().length)).toList();
    }

    /** Data segments sent since the last call, parsed. */
    List<TcpPeer.Seg> sentSegments() {
        return p.received().stream().filter(g -> g.payload().length > 0).toList();
    }

    void write(int n) throws Exception {
        assertEquals(n, s.tryWrite(new byte[n], 0, n));
    }

    /** Writes up to {@code n} bytes, returning how many the send buffer took. */
    int tryWrite(int n) throws Exception {
        return s.tryWrite(new byte[n], 0, n);
    }

    TcpInfo info() {
        return s.tcpInfo();
    }

    /** cwnd in segments of 1000 bytes, as tcpi_snd_cwnd. */
    int cwnd() {
        return info().cwnd() / 1000;
    }

    /** ssthresh in segments of 1000 bytes, as tcpi_snd_ssthresh. */
    int ssthresh() {
        return info().ssthresh() / 1000;
    }

    void advance(long nanos) {
        h.advance(nanos);
    }
}
