package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The field-by-field comparison, on segments built and decoded from raw bytes. */
class SegmentCheckTest {
    private static final long ISN = 0xFFFF_FF00L;

    /** A segment from the stack, with its sequence number ISN + {@code seq}. */
    private static WireSegment sent(int flags, long seq, long ack, int window, List<TcpOption> options, int payload) {
        byte[] f = WireSegment.encode(FreeBsdProfile.STACK_MAC, FreeBsdProfile.PEER_MAC, FreeBsdProfile.STACK_ADDRESS,
                FreeBsdProfile.PEER_ADDRESS, 1, 8080, 49152, (ISN + seq) & 0xFFFF_FFFFL, ack, flags, window, 0,
                TcpOption.encode(options), payload);
        return WireSegment.decode(f);
    }

    private static Flow mapped() {
        Flow flow = new Flow();
        flow.localPort = 8080;
        flow.learnIsn(0, ISN);
        return flow;
    }

    private static TcpSpec spec(String line) {
        return ((Script.Packet) ScriptParser.parse("t", "0 " + line, java.util.Set.of()).events().get(0).action()).tcp();
    }

    @Test
    void encodeAndDecodeAgree() {
        WireSegment s = sent(TcpSpec.SYN | TcpSpec.ACK, 0, 1, 65535, List.of(new TcpOption.Mss(1460)), 0);
        assertNotNull(s);
        assertTrue(s.ipChecksumOk() && s.tcpChecksumOk());
        assertEquals(ISN, s.seq());
        assertEquals(1, s.ack());
        assertEquals(6, s.dataOffset());
        assertEquals("S. 0:0(0) ack 1 win 65535 <mss 1460>", s.describe(mapped().toScript(s.seq()), s.ack()));
    }

    @Test
    void sequenceNumbersAreComparedRelativeToTheIsnAcrossTheWrap() {
        Flow flow = mapped();
        WireSegment s = sent(TcpSpec.ACK | TcpSpec.FIN, 0x200, 5, 1000, List.of(), 0);
        assertNull(SegmentCheck.firstDifference(spec("> F. 512:512(0) ack 5 win 1000"), s, flow, false));
        assertEquals("seq: expected 511 got 512", SegmentCheck.firstDifference(spec("> F. 511:511(0) ack 5 win 1000"), s, flow, false));
        assertEquals("flags: expected . got F.", SegmentCheck.firstDifference(spec("> . 512:512(0) ack 5 win 1000"), s, flow, false));
        assertNull(SegmentCheck.firstDifference(spec("> F. 512:512(0) ack 5"), s, flow, false), "no window given: not checked");
        assertEquals("payload length: expected 10 got 0",
                SegmentCheck.firstDifference(spec("> F. 512:522(10) ack 5 win 1000"), s, flow, false));
    }

    @Test
    void optionsAreComparedAsBytesExceptTheTimestampValue() {
        Flow flow = mapped();
        WireSegment s = sent(TcpSpec.SYN, 0, 0, 65535, List.of(new TcpOption.Mss(1460), new TcpOption.SackPermitted(),
                new TcpOption.Timestamp(123456, 0), new TcpOption.Nop(), new TcpOption.WindowScale(7)), 0);
        assertNull(SegmentCheck.firstDifference(spec("> S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>"), s, flow, false));
        assertEquals(123456L, flow.liveTsVal(100), "the script's TSval stands for the live one from now on");
        String d = SegmentCheck.firstDifference(spec("> S 0:0(0) win 65535 <mss 1460,nop,wscale 7,sackOK,TS val 100 ecr 0>"), s, flow, false);
        assertEquals("tcp options: expected <mss 1460,nop,wscale 7,sackOK,TS val 100 ecr 0> got <mss 1460,sackOK,TS val 123456 ecr 0,nop,wscale 7>", d);
        assertNull(SegmentCheck.firstDifference(spec("> S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>"), s, flow, true),
                "the diagnostic ignores layout and the shift");
        assertNotNull(SegmentCheck.firstDifference(spec("> S 0:0(0) win 65535 <mss 1400,nop,wscale 7,sackOK,TS val 100 ecr 0>"), s, flow, true),
                "but not values");
        assertNull(SegmentCheck.firstDifference(spec("> S 0:0(0) win 65535 <...>"), s, flow, false));
    }

    @Test
    void corruptedChecksumsAreDifferences() {
        byte[] f = WireSegment.encode(FreeBsdProfile.STACK_MAC, FreeBsdProfile.PEER_MAC, FreeBsdProfile.STACK_ADDRESS,
                FreeBsdProfile.PEER_ADDRESS, 1, 8080, 49152, ISN, 1, TcpSpec.ACK, 100, 0, new byte[0], 0);
        f[f.length - 1] ^= 1;
        assertEquals("bad TCP checksum", SegmentCheck.firstDifference(spec("> . 0:0(0) ack 1 win 100"), WireSegment.decode(f), mapped(), false));
    }

    @Test
    void oversizedFramesAreSplitIntoIpFragments() {
        byte[] f = WireSegment.encode(FreeBsdProfile.PEER_MAC, FreeBsdProfile.STACK_MAC, FreeBsdProfile.PEER_ADDRESS,
                FreeBsdProfile.STACK_ADDRESS, 7, 49152, 8080, 1, 1, TcpSpec.ACK, 100, 0, new byte[0], 3000);
        assertEquals(List.of(f), WireSegment.fragments(f, 3040));
        List<byte[]> parts = WireSegment.fragments(f, 1500);
        assertEquals(3, parts.size());
        int carried = 0;
        for (int i = 0; i < parts.size(); i++) {
            byte[] p = parts.get(i);
            int flagsOffset = WireSegment.u16(p, 14 + 6);
            assertEquals(i < 2 ? 0x2000 : 0, flagsOffset & 0xE000, "MF on all but the last, DF cleared");
            assertEquals(carried / 8, flagsOffset & 0x1FFF);
            assertTrue(p.length - 14 <= 1500);
            carried += p.length - 14 - 20;
        }
        assertEquals(20 + 3000, carried, "the TCP header and payload, split at multiples of 8");
    }

    @Test
    void optionBytesDecodeForDisplay() {
        byte[] b = {2, 4, 5, (byte) 0xb4, 1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0};
        assertEquals("<mss 1460,nop,nop,sack 1:2,eol,eol>", TcpOption.format(TcpOption.decode(b)));
        assertEquals(14, SegmentCheck.tsValOffset(new byte[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0}));
    }
}
