package io.tapwire.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.TcpMaximumSegmentSizeOption;
import org.pcap4j.packet.TcpNoOperationOption;
import org.pcap4j.packet.TcpPacket;
import org.pcap4j.packet.TcpSackOption;
import org.pcap4j.packet.TcpSackPermittedOption;
import org.pcap4j.packet.TcpTimestampsOption;
import org.pcap4j.packet.TcpWindowScaleOption;
import org.pcap4j.packet.UnknownTcpOption;
import org.pcap4j.packet.namednumber.IpNumber;
import org.pcap4j.packet.namednumber.TcpOptionKind;
import org.pcap4j.packet.namednumber.TcpPort;

/**
 * TCP headers and options (RFC 9293 section 3.1, RFC 7323, RFC 2018): Pcap4J decodes what we
 * emit, options and checksum included, and we parse what Pcap4J builds.
 */
class TcpOracleTest {
    /** Ports whose payload Pcap4J decodes (DNS over TCP); the payload here is random bytes. */
    private static final Set<Integer> DECODED = Set.of(53);

    private static TcpPacket.TcpOption mss(int mss) {
        return new TcpMaximumSegmentSizeOption.Builder().maxSegSize((short) mss).correctLengthAtBuild(true).build();
    }

    private static TcpPacket.TcpOption windowScale(int shift) {
        return new TcpWindowScaleOption.Builder().shiftCount((byte) shift).correctLengthAtBuild(true).build();
    }

    private static TcpPacket.TcpOption timestamps(int tsVal, int tsEcr) {
        return new TcpTimestampsOption.Builder().tsValue(tsVal).tsEchoReply(tsEcr).correctLengthAtBuild(true).build();
    }

    private static TcpPacket.TcpOption sack(List<TcpSackOption.Sack> blocks) {
        return new TcpSackOption.Builder().sacks(blocks).correctLengthAtBuild(true).build();
    }

    private static final TcpPacket.TcpOption NOP = TcpNoOperationOption.getInstance();
    private static final TcpPacket.TcpOption SACK_OK = TcpSackPermittedOption.getInstance();

    /** An option as its kind and bytes, so two lists compare and print readably. */
    private static List<String> describe(List<TcpPacket.TcpOption> options) {
        List<String> out = new ArrayList<>();
        for (TcpPacket.TcpOption o : options) {
            out.add((o.getKind().value() & 0xFF) + ":" + Oracle.hex(o.getRawData()));
        }
        return out;
    }

    @Test
    void pcap4jDecodesTheSegmentsWeEmit() {
        Random r = new Random(11);
        TcpOptions opts = new TcpOptions();
        for (int c = 0; c < Oracle.CASES; c++) {
            int srcPort = UdpOracleTest.randomPort(r, DECODED);
            int dstPort = UdpOracleTest.randomPort(r, DECODED);
            int seq = r.nextInt();
            int ack = r.nextInt();
            int flags = r.nextInt(256);
            int window = r.nextInt(0x10000);
            int urgent = r.nextInt(0x10000);
            int src = Oracle.randomAddr(r);
            int dst = Oracle.randomAddr(r);
            byte[] payload = Oracle.randomBytes(r, 200);

            // Our options in Linux's layout, and the list Pcap4J should decode from them.
            opts.clear();
            List<TcpPacket.TcpOption> expected = new ArrayList<>();
            if (r.nextBoolean()) {
                int m = r.nextInt(0x10000);
                opts.setMss(m);
                expected.add(mss(m));
            }
            boolean sackOk = r.nextBoolean();
            opts.setSackPermitted(sackOk);
            if (r.nextBoolean()) {
                int tsVal = r.nextInt();
                int tsEcr = r.nextInt();
                opts.setTimestamps(tsVal, tsEcr);
                expected.addAll(sackOk ? List.of(SACK_OK) : List.of(NOP, NOP));
                expected.add(timestamps(tsVal, tsEcr));
            } else if (sackOk) {
                expected.addAll(List.of(NOP, NOP, SACK_OK));
            }
            if (r.nextBoolean()) {
                int shift = r.nextInt(TcpOptions.MAX_WINDOW_SCALE + 1);
                opts.setWindowScale(shift);
                expected.addAll(List.of(NOP, windowScale(shift)));
            }
            List<TcpSackOption.Sack> blocks = new ArrayList<>();
            int wanted = r.nextInt(TcpOptions.MAX_SACK_BLOCKS + 1);
            for (int b = 0; b < wanted; b++) {
                int left = r.nextInt();
                int right = left + 1 + r.nextInt(1 << 20);
                opts.addSackBlock(left, right);
                blocks.add(new TcpSackOption.Sack(left, right));
            }
            int sent = opts.writableSackBlocks();
            if (sent > 0) {
                expected.addAll(List.of(NOP, NOP, sack(blocks.subList(0, sent))));
            }

            int headerLength = TcpSegment.MIN_HEADER_LENGTH + opts.encodedLength();
            int segLength = headerLength + payload.length;
            int at = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;
            ByteBuffer buf = ByteBuffer.allocate(at + segLength);
            Oracle.writeEthernetAndIpv4(buf, Ipv4Packet.PROTO_TCP, src, dst, segLength, c);
            TcpSegment seg = new TcpSegment().wrapForWrite(buf, at, segLength);
            new TcpSegment.Header(srcPort, dstPort, seq, ack, headerLength, flags, window, urgent).emit(seg);
            assertEquals(opts.encodedLength(), opts.write(buf, seg.optionsOffset()));
            buf.put(seg.payloadOffset(), payload);
            seg.fillChecksum(src, dst);

            EthernetPacket frame = Oracle.decode(buf, buf.capacity());
            TcpPacket p = frame.get(TcpPacket.class);
            String ctx = "case " + c + ": " + Oracle.hex(buf.array());
            assertNotNull(p, ctx);
            TcpPacket.TcpHeader h = p.getHeader();
            assertEquals(srcPort, h.getSrcPort().valueAsInt(), ctx);
            assertEquals(dstPort, h.getDstPort().valueAsInt(), ctx);
            assertEquals(seq, h.getSequenceNumber(), ctx);
            assertEquals(ack, h.getAcknowledgmentNumber(), ctx);
            assertEquals(headerLength / 4, h.getDataOffsetAsInt(), ctx);
            // Pcap4J 1.8 keeps the RFC 793 layout: six reserved bits whose low two are CWR and ECE.
            assertEquals(flags >>> 6, h.getReserved() & 0x3F, ctx);
            assertEquals((flags & TcpSegment.URG) != 0, h.getUrg(), ctx);
            assertEquals((flags & TcpSegment.ACK) != 0, h.getAck(), ctx);
            assertEquals((flags & TcpSegment.PSH) != 0, h.getPsh(), ctx);
            assertEquals((flags & TcpSegment.RST) != 0, h.getRst(), ctx);
            assertEquals((flags & TcpSegment.SYN) != 0, h.getSyn(), ctx);
            assertEquals((flags & TcpSegment.FIN) != 0, h.getFin(), ctx);
            assertEquals(window, h.getWindowAsInt(), ctx);
            assertEquals(urgent, h.getUrgentPointerAsInt(), ctx);
            assertEquals(seg.checksum(), h.getChecksum() & 0xFFFF, ctx);
            assertTrue(p.hasValidChecksum(Oracle.inet(src), Oracle.inet(dst), false), ctx);
            assertEquals(describe(expected), describe(h.getOptions()), ctx);
            assertEquals(0, h.getPadding().length, "Linux layout needs no padding; " + ctx);
            assertArrayEquals(payload, Oracle.rawOrEmpty(p.getPayload()), ctx);
        }
    }

    @Test
    void weParseTheSegmentsPcap4jBuilds() {
        Random r = new Random(12);
        EthernetFrame eth = new EthernetFrame();
        Ipv4Packet ip = new Ipv4Packet();
        TcpSegment seg = new TcpSegment();
        TcpOptions opts = new TcpOptions();
        for (int c = 0; c < Oracle.CASES; c++) {
            int srcPort = UdpOracleTest.randomPort(r, DECODED);
            int dstPort = UdpOracleTest.randomPort(r, DECODED);
            int seq = r.nextInt();
            int ack = r.nextInt();
            int reserved = r.nextInt(8) == 0 ? r.nextInt(64) : r.nextInt(4);
            int control = r.nextInt(64);
            int window = r.nextInt(0x10000);
            int urgent = r.nextInt(0x10000);
            int src = Oracle.randomAddr(r);
            int dst = Oracle.randomAddr(r);
            byte[] payload = Oracle.randomBytes(r, 200);

            // Each option at most once, in random order, with NOPs sprinkled in and an unknown kind
            // now and then; Pcap4J pads the list to a whole word with zero (end-of-list) bytes.
            List<TcpPacket.TcpOption> options;
            TcpOptions.Parsed expected;
            do {
                options = new ArrayList<>();
                int m = r.nextBoolean() ? r.nextInt(0x10000) : TcpOptions.Parsed.ABSENT;
                int shift = r.nextBoolean() ? (r.nextInt(8) == 0 ? r.nextInt(256) : r.nextInt(15)) : TcpOptions.Parsed.ABSENT;
                boolean sackOk = r.nextBoolean();
                boolean ts = r.nextBoolean();
                int tsVal = ts ? r.nextInt() : 0;
                int tsEcr = ts ? r.nextInt() : 0;
                List<TcpOptions.SackBlock> blocks = new ArrayList<>();
                List<TcpSackOption.Sack> sacks = new ArrayList<>();
                int n = r.nextInt(3) == 0 ? 1 + r.nextInt(TcpOptions.MAX_SACK_BLOCKS) : 0;
                for (int b = 0; b < n; b++) {
                    int left = r.nextInt();
                    int right = r.nextInt();
                    blocks.add(new TcpOptions.SackBlock(left, right));
                    sacks.add(new TcpSackOption.Sack(left, right));
                }
                if (m != TcpOptions.Parsed.ABSENT) options.add(mss(m));
                if (shift != TcpOptions.Parsed.ABSENT) options.add(windowScale(shift));
                if (sackOk) options.add(SACK_OK);
                if (ts) options.add(timestamps(tsVal, tsEcr));
                if (n > 0) options.add(sack(sacks));
                if (r.nextInt(4) == 0) {
                    byte[] data = Oracle.randomBytes(r, 6);
                    options.add(new UnknownTcpOption.Builder()
                            .kind(TcpOptionKind.getInstance((byte) (r.nextBoolean() ? 30 : 253)))
                            .data(data)
                            .correctLengthAtBuild(true)
                            .build());
                }
                int nops = r.nextInt(4);
                for (int i = 0; i < nops; i++) {
                    options.add(NOP);
                }
                Collections.shuffle(options, r);
                expected = new TcpOptions.Parsed(m, shift, sackOk, ts, tsVal, tsEcr, blocks);
            } while (options.stream().mapToInt(TcpPacket.TcpOption::length).sum() > TcpOptions.MAX_LENGTH);
            int optionBytes = (options.stream().mapToInt(TcpPacket.TcpOption::length).sum() + 3) / 4 * 4;

            TcpPacket.Builder builder = new TcpPacket.Builder()
                    .srcPort(TcpPort.getInstance((short) srcPort))
                    .dstPort(TcpPort.getInstance((short) dstPort))
                    .sequenceNumber(seq)
                    .acknowledgmentNumber(ack)
                    .reserved((byte) reserved)
                    .urg((control & TcpSegment.URG) != 0)
                    .ack((control & TcpSegment.ACK) != 0)
                    .psh((control & TcpSegment.PSH) != 0)
                    .rst((control & TcpSegment.RST) != 0)
                    .syn((control & TcpSegment.SYN) != 0)
                    .fin((control & TcpSegment.FIN) != 0)
                    .window((short) window)
                    .urgentPointer((short) urgent)
                    .options(options)
                    .srcAddr(Oracle.inet(src))
                    .dstAddr(Oracle.inet(dst))
                    .payloadBuilder(payload.length == 0 ? null : Oracle.raw(payload))
                    .paddingAtBuild(true)
                    .correctLengthAtBuild(true)
                    .correctChecksumAtBuild(true);
            EthernetPacket built = Oracle.pcap4jFrame(builder, IpNumber.TCP, src, dst).build();
            ByteBuffer buf = Oracle.buffer(built);
            String ctx = "case " + c + ": " + Oracle.hex(built.getRawData());

            assertNull(eth.wrap(buf, 0, buf.capacity()), ctx);
            assertNull(ip.wrap(buf, eth.payloadOffset(), eth.payloadLength()), ctx);
            assertNull(seg.wrap(buf, ip.payloadOffset(), ip.payloadLength()), ctx);
            int headerLength = TcpSegment.MIN_HEADER_LENGTH + optionBytes;
            int flags = ((reserved & 0x3) << 6) | control;
            assertEquals(new TcpSegment.Header(srcPort, dstPort, seq, ack, headerLength, flags, window, urgent),
                    TcpSegment.Header.parse(seg), ctx);
            assertEquals(reserved >>> 2, seg.reserved(), ctx);
            assertTrue(seg.checksumValid(src, dst), ctx);
            int theirs = seg.checksum();
            seg.fillChecksum(src, dst);
            assertEquals(theirs, seg.checksum(), "we compute the checksum Pcap4J computed; " + ctx);
            assertNull(seg.options(opts), ctx);
            assertEquals(expected, TcpOptions.Parsed.parse(opts), ctx);
            assertEquals(payload.length, seg.payloadLength(), ctx);
            assertArrayEquals(payload, Oracle.slice(buf, seg.payloadOffset(), seg.payloadLength()), ctx);
        }
    }
}
