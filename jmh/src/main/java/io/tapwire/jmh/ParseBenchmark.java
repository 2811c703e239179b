package io.tapwire.jmh;

import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Parsing one received frame with the wire flyweights: Ethernet, IPv4 and TCP {@code wrap} (each
 * checks its bounds once) and the field reads the receive path makes, over a frame in a direct
 * buffer as a descriptor holds it. {@code headers} stops at the fixed headers; {@code
 * headersAndOptions} also parses the TCP options (timestamps on every Linux segment).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ParseBenchmark {
    /** {@code ack}: a 66-byte pure ACK; {@code data}: a 1,514-byte full-sized segment. */
    @Param({"ack", "data"})
    public String frame;

    private ByteBuffer buf;
    private int length;
    private final EthernetFrame eth = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final TcpOptions options = new TcpOptions();

    @Setup
    public void setup() {
        SegmentTemplate t = new SegmentTemplate(ScriptedPeer.PEER_MAC, ScriptedPeer.PEER, ScriptedPeer.US_MAC, ScriptedPeer.US,
                TcpSegment.ACK | (frame.equals("data") ? TcpSegment.PSH : 0), 65535,
                frame.equals("data") ? ScriptedPeer.MSS_PAYLOAD : 0);
        buf = ByteBuffer.allocateDirect(2048);
        length = t.write(buf, 40000, 5001, 0x12345678, 0x9abcdef0, 1000, 2000);
    }

    @Benchmark
    public long headers() {
        return parseHeaders();
    }

    @Benchmark
    public long headersAndOptions() {
        long v = parseHeaders();
        if (tcp.options(options) != null) {
            return -1;
        }
        return v + options.tsVal() + options.tsEcr();
    }

    private long parseHeaders() {
        if (eth.wrap(buf, 0, length) != null) {
            return -1;
        }
        long v = eth.dst() ^ eth.src() ^ eth.etherType();
        if (ip.wrap(buf, eth.payloadOffset(), eth.payloadLength()) != null) {
            return -2;
        }
        v += ip.src() ^ ip.dst();
        v += ip.protocol() + ip.ttl() + ip.flagsFragment() + ip.tos();
        if (tcp.wrap(buf, ip.payloadOffset(), ip.payloadLength()) != null) {
            return -3;
        }
        v += tcp.srcPort() + tcp.dstPort() + tcp.seq() + tcp.ack() + tcp.flags() + tcp.window();
        v += tcp.payloadOffset() + tcp.payloadLength();
        return v;
    }
}
