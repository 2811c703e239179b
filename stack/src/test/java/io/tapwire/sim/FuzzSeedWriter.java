package io.tapwire.sim;

import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.MacAddress;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static io.tapwire.sim.StackHarness.PEER_MAC;
import static io.tapwire.sim.StackHarness.US_MAC;
import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.FIN;
import static io.tapwire.wire.TcpSegment.PSH;
import static io.tapwire.wire.TcpSegment.RST;
import static io.tapwire.wire.TcpSegment.SYN;

/**
 * Writes the seed inputs of the stack's fuzz targets into {@code src/test/resources}, where Jazzer
 * replays them as regression tests and starts fuzzing from them. A tool, not a test: it runs only
 * with {@code -Dtapwire.fuzz.writeSeeds=true}:
 *
 * <pre>mvn -o -pl stack test -Dtest=FuzzSeedWriter -Dtapwire.fuzz.writeSeeds=true</pre>
 *
 * <p>The seeds come from the frames the Linux host sent in the recorded pcap scenarios
 * ({@code pcap-tests/src/test/resources/scenarios/}{@code *}{@code /input.pcap}, MACs rewritten to
 * {@link StackHarness}'s; the addresses are already 10.0.0.1 and 10.0.0.2): whole scenarios for the
 * frame targets, and each layer's bytes (frame, ARP, IPv4, ICMP, UDP, TCP, TCP options) for the
 * wire parser targets, one per distinct shape so the set stays small. The established and
 * TIME-WAIT targets also get segments for their own prepared connection (dup ACKs with SACK, the
 * hole filled, FIN, RST, SYN, zero window, reopening SYN, old timestamps).
 */
class FuzzSeedWriter {
    private static final Path SCENARIOS = Path.of("../pcap-tests/src/test/resources/scenarios");
    private static final Path RESOURCES = Path.of("src/test/resources/io/tapwire");
    private static final long SCENARIO_STACK_MAC = MacAddress.parse("02:74:77:00:00:02");
    /**
     * Bytes per scenario seed (libFuzzer's default largest input, so mutations stay quick), and
     * seeds per parser target: keep the committed corpus small.
     */
    private static final int BYTES_PER_SCENARIO = 4096;
    private static final int SEEDS_PER_PARSER = 40;

    @Test
    @EnabledIfSystemProperty(named = "tapwire.fuzz.writeSeeds", matches = "true")
    void writeSeeds() throws IOException {
        Map<String, List<byte[]>> scenarios = new LinkedHashMap<>();
        Map<String, List<Long>> times = new LinkedHashMap<>();
        try (Stream<Path> dirs = Files.list(SCENARIOS)) {
            for (Path d : dirs.sorted().toList()) {
                List<Long> t = new ArrayList<>();
                List<byte[]> frames = readPcap(d.resolve("input.pcap"), t);
                frames.replaceAll(FuzzSeedWriter::rewriteMacs);
                scenarios.put(d.getFileName().toString(), frames);
                times.put(d.getFileName().toString(), t);
            }
        }
        for (var e : scenarios.entrySet()) {
            byte[] seed = records(e.getValue(), times.get(e.getKey()));
            write("sim/ListenFramesFuzzTestInputs/framesIntoAListener", "pcap-" + e.getKey(), seed);
        }
        for (String name : List.of("tcp-echo", "tcp-rst-established", "ping-small", "arp-request-reply", "udp-echo-fragmented")) {
            byte[] seed = records(scenarios.get(name), times.get(name));
            write("sim/EstablishedFramesFuzzTestInputs/framesIntoAnEstablishedConnection", "pcap-" + name, seed);
            write("sim/TimeWaitFramesFuzzTestInputs/framesIntoTimeWait", "pcap-" + name, seed);
        }
        writeEstablishedSeeds();
        writeTimeWaitSeeds();
        writeParserSeeds(scenarios);
    }

    // ------------------------------------------------------------------ the prepared connections

    private void writeEstablishedSeeds() throws IOException {
        FuzzedStack s = new FuzzedStack(FuzzedStack.Prepared.ESTABLISHED);
        FuzzedStack.Sent sent = s.sent.get(FuzzedStack.PEER_PORT);
        int rcvNxt = FuzzedStack.PEER_ISS + 1;
        int una = sent.nextSeq - FuzzedStack.IN_FLIGHT;
        int snd = sent.nextSeq;
        String dir = "sim/EstablishedFramesFuzzTestInputs/framesIntoAnEstablishedConnection";
        write(dir, "ack-all-in-flight", records(List.of(seg(s, rcvNxt, snd, ACK, ts(s, sent), new byte[0]))));
        write(dir, "fill-the-hole", records(List.of(seg(s, rcvNxt, una, ACK | PSH, ts(s, sent), new byte[1000]))));
        List<byte[]> dupAcks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            dupAcks.add(seg(s, rcvNxt, una, ACK, sack(s, sent, una + 1448 * (i + 1), snd), new byte[0]));
        }
        write(dir, "dup-acks-with-sack", records(dupAcks));
        write(dir, "fin", records(List.of(seg(s, rcvNxt, snd, FIN | ACK, ts(s, sent), new byte[0]))));
        write(dir, "rst-exact", records(List.of(seg(s, rcvNxt, 0, RST, new byte[0], new byte[0]))));
        write(dir, "rst-in-window", records(List.of(seg(s, rcvNxt + 100, 0, RST, new byte[0], new byte[0]))));
        write(dir, "syn-in-window", records(List.of(seg(s, rcvNxt + 5, 0, SYN, new byte[0], new byte[0]))));
        write(dir, "zero-window", records(List.of(seg(s, rcvNxt, una + 1448, ACK, ts(s, sent), new byte[0], 0))));
        write(dir, "data-then-timeout", FrameRecords.encode(List.of(seg(s, rcvNxt, una, ACK, ts(s, sent), new byte[1000])),
                List.of(FrameRecords.timeStepFor(3000))));
    }

    private void writeTimeWaitSeeds() throws IOException {
        FuzzedStack s = new FuzzedStack(FuzzedStack.Prepared.TIME_WAIT);
        FuzzedStack.Sent sent = s.sent.get(FuzzedStack.PEER_PORT);
        int rcvNxt = sent.ack;
        int snd = sent.nextSeq;
        String dir = "sim/TimeWaitFramesFuzzTestInputs/framesIntoTimeWait";
        write(dir, "fin-again", records(List.of(seg(s, rcvNxt - 1, snd, FIN | ACK, ts(s, sent), new byte[0]))));
        write(dir, "ack", records(List.of(seg(s, rcvNxt, snd, ACK, ts(s, sent), new byte[0]))));
        TcpOptions syn = new TcpOptions().setMss(1460).setSackPermitted(true).setTimestamps(s.peerTsVal() + 10, 0).setWindowScale(7);
        write(dir, "reopening-syn", records(List.of(seg(s, rcvNxt + 100_000, 0, SYN, bytes(syn), new byte[0]))));
        TcpOptions old = new TcpOptions().setMss(1460).setTimestamps(1, 0);
        write(dir, "syn-with-old-timestamp", records(List.of(seg(s, rcvNxt + 100_000, 0, SYN, bytes(old), new byte[0]))));
        write(dir, "rst", records(List.of(seg(s, rcvNxt, 0, RST, new byte[0], new byte[0]))));
        write(dir, "data", records(List.of(seg(s, rcvNxt, snd, ACK | PSH, ts(s, sent), new byte[100]))));
        write(dir, "syn-fin", records(List.of(seg(s, rcvNxt + 1000, 0, SYN | FIN, new byte[0], new byte[0]))));
    }

    private static byte[] seg(FuzzedStack s, int seq, int ack, int flags, byte[] options, byte[] payload) {
        return seg(s, seq, ack, flags, options, payload, 65535);
    }

    private static byte[] seg(FuzzedStack s, int seq, int ack, int flags, byte[] options, byte[] payload, int window) {
        return FuzzedStack.segment(FuzzedStack.PEER_PORT, FuzzedStack.LISTEN_PORT, seq, ack, flags, window, 0, options, payload);
    }

    private static byte[] ts(FuzzedStack s, FuzzedStack.Sent sent) {
        return bytes(new TcpOptions().setTimestamps(s.peerTsVal(), sent.tsVal));
    }

    private static byte[] sack(FuzzedStack s, FuzzedStack.Sent sent, int left, int right) {
        return bytes(new TcpOptions().setTimestamps(s.peerTsVal(), sent.tsVal).addSackBlock(left, right));
    }

    private static byte[] bytes(TcpOptions o) {
        byte[] b = new byte[o.encodedLength()];
        o.write(ByteBuffer.wrap(b), 0);
        return b;
    }

    private static byte[] records(List<byte[]> frames) {
        return FrameRecords.encode(frames, frames.stream().map(f -> 0).toList());
    }

    /** The first frames of a scenario that fit in {@link #BYTES_PER_SCENARIO}, each with the time step nearest its gap. */
    private static byte[] records(List<byte[]> frames, List<Long> nanos) {
        List<byte[]> kept = new ArrayList<>();
        List<Integer> steps = new ArrayList<>();
        int size = 0;
        for (int i = 0; i < frames.size(); i++) {
            if (frames.get(i).length > FrameRecords.MAX_FRAME) {
                continue;
            }
            size += 2 + frames.get(i).length;
            if (size > BYTES_PER_SCENARIO && !kept.isEmpty()) {
                break;
            }
            kept.add(frames.get(i));
            steps.add(i == 0 ? 0 : FrameRecords.timeStepFor((nanos.get(i) - nanos.get(i - 1)) / 1_000_000L));
        }
        return FrameRecords.encode(kept, steps);
    }

    // ------------------------------------------------------------------ parsers

    private void writeParserSeeds(Map<String, List<byte[]>> scenarios) throws IOException {
        Map<String, Set<String>> shapes = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (var e : scenarios.entrySet()) {
            int n = 0;
            for (byte[] f : e.getValue()) {
                String name = e.getKey() + "-" + n++;
                ByteBuffer b = ByteBuffer.wrap(f);
                parserSeed(shapes, counts, "EthernetFrameFuzzTestInputs/ethernetFrameWrapsOrIsRefused", "eth " + b.getShort(12) + " "
                        + f.length / 200, name, f);
                if (f.length < 14) {
                    continue;
                }
                byte[] l3 = Arrays.copyOfRange(f, 14, f.length);
                if (b.getShort(12) == EthernetFrame.TYPE_ARP) {
                    parserSeed(shapes, counts, "ArpPacketFuzzTestInputs/arpPacketWrapsOrIsRefused", "arp " + l3[7], name, l3);
                }
                if (b.getShort(12) != EthernetFrame.TYPE_IPV4 || l3.length < 20) {
                    continue;
                }
                Ipv4Packet ip = new Ipv4Packet();
                if (ip.wrap(ByteBuffer.wrap(l3), 0, l3.length) != null) {
                    continue;
                }
                parserSeed(shapes, counts, "Ipv4PacketFuzzTestInputs/ipv4PacketWrapsOrIsRefused", "ip " + ip.protocol() + " "
                        + ip.isFragment() + " " + l3.length / 300, name, l3);
                if (ip.isFragment() && ip.fragmentOffset() > 0) {
                    continue;
                }
                byte[] l4 = Arrays.copyOfRange(l3, ip.headerLength(), ip.totalLength());
                switch (ip.protocol()) {
                    case Ipv4Packet.PROTO_ICMP -> parserSeed(shapes, counts, "Icmpv4PacketFuzzTestInputs/icmpMessageWrapsOrIsRefused",
                            "icmp " + l4[0] + " " + l4.length / 300, name, l4);
                    case Ipv4Packet.PROTO_UDP -> parserSeed(shapes, counts, "UdpPacketFuzzTestInputs/udpDatagramWrapsOrIsRefused",
                            "udp " + l4.length / 300 + " " + ip.isFragment(), name, l4);
                    case Ipv4Packet.PROTO_TCP -> {
                        TcpSegment t = new TcpSegment();
                        if (t.wrap(ByteBuffer.wrap(l4), 0, l4.length) != null) {
                            continue;
                        }
                        parserSeed(shapes, counts, "TcpSegmentFuzzTestInputs/tcpSegmentWrapsOrIsRefused", "tcp " + t.flags() + " "
                                + t.headerLength() + " " + l4.length / 500, name, l4);
                        byte[] opts = Arrays.copyOfRange(l4, 20, t.headerLength());
                        parserSeed(shapes, counts, "TcpOptionsFuzzTestInputs/optionsParseOrAreRefused", "opt " + optionKinds(opts), name, opts);
                    }
                    default -> { }
                }
            }
        }
        System.out.println("parser seeds: " + counts);
    }

    /** Writes one seed per distinct shape (kinds of option, flags, lengths) and at most {@link #SEEDS_PER_PARSER} per target. */
    private static void parserSeed(Map<String, Set<String>> shapes, Map<String, Integer> counts, String target, String shape,
                                   String name, byte[] bytes) throws IOException {
        if (bytes.length == 0 || !shapes.computeIfAbsent(target, k -> new HashSet<>()).add(shape)
                || counts.getOrDefault(target, 0) >= SEEDS_PER_PARSER) {
            return;
        }
        counts.merge(target, 1, Integer::sum);
        write("wire/" + target, "pcap-" + name, bytes);
    }

    /** The option kinds of an options area, in order, ignoring values: seeds that differ only in timestamps are one shape. */
    private static String optionKinds(byte[] opts) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < opts.length; ) {
            int kind = opts[i] & 0xFF;
            sb.append(kind).append(',');
            i += kind <= 1 || i + 1 >= opts.length ? 1 : Math.max(2, opts[i + 1] & 0xFF);
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ files

    private static void write(String dir, String name, byte[] bytes) throws IOException {
        Path d = RESOURCES.resolve(dir);
        Files.createDirectories(d);
        Files.write(d.resolve(name), bytes);
    }

    /** The scenario's frames, the stack's MAC and the host's replaced by {@link StackHarness}'s. */
    private static byte[] rewriteMacs(byte[] f) {
        if (f.length < 14) {
            return f;
        }
        ByteBuffer b = ByteBuffer.wrap(f);
        if (MacAddress.read(b, 0) == SCENARIO_STACK_MAC) {
            MacAddress.write(b, 0, US_MAC);
        }
        if (!MacAddress.isMulticast(MacAddress.read(b, 6))) {
            MacAddress.write(b, 6, PEER_MAC);
        }
        return f;
    }

    /** A classic pcap file's frames (any byte order, micro- or nanosecond stamps), with their times in nanoseconds. */
    static List<byte[]> readPcap(Path file, List<Long> nanos) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic != 0xA1B2C3D4 && magic != 0xA1B23C4D) {
            b.order(ByteOrder.BIG_ENDIAN);
            magic = b.getInt(0);
        }
        long unit = magic == 0xA1B23C4D ? 1 : 1000;
        List<byte[]> frames = new ArrayList<>();
        for (int pos = 24; pos + 16 <= b.limit(); ) {
            long t = (b.getInt(pos) & 0xFFFF_FFFFL) * 1_000_000_000L + (b.getInt(pos + 4) & 0xFFFF_FFFFL) * unit;
            int captured = b.getInt(pos + 8);
            byte[] f = new byte[captured];
            b.get(pos + 16, f);
            frames.add(f);
            nanos.add(t);
            pos += 16 + captured;
        }
        return frames;
    }
}
