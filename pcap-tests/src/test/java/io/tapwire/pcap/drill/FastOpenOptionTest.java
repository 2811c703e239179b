package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The Fast Open option in script packets: {@code FO}, {@code FO <hex>}, {@code FOEXP <hex>} (RFC 7413 4.1.1). */
class FastOpenOptionTest {
    private static TcpSpec parse(String segment) {
        return SegmentParser.tcp(new Cursor(segment, 1), true);
    }

    private static String bytes(TcpSpec spec) {
        return HexFormat.of().formatHex(TcpOption.encode(spec.options()));
    }

    @Test
    void anEmptyOptionIsACookieRequest() {
        TcpSpec s = parse("S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 0 ecr 0,FO,eol,eol>");
        assertEquals("020405b4" + "01030306" + "0402" + "080a0000000000000000" + "2202" + "0000", bytes(s));
    }

    @Test
    void aCookieIsHexDigitsTwoPerByte() {
        assertEquals("020405b4" + "0402" + "220601020304", bytes(parse("S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,FO 01020304>")));
        assertEquals("2206abcd12340101", bytes(parse("S. 0:0(0) ack 1 win 5840 <FO abcd1234,nop,nop>")));
    }

    @Test
    void theExperimentalFormHasKind254AndTheMagic() {
        assertEquals("fe0cf98900abaaabe8e954c2", bytes(parse("S 0:0(0) win 5840 <FOEXP 00abaaabe8e954c2>")));
    }

    @Test
    void decodesWhatTheStackSentForMessages() {
        byte[] wire = HexFormat.of().parseHex("22060102030401010000");
        assertEquals(List.of(new TcpOption.FastOpen(HexFormat.of().parseHex("01020304"), false), new TcpOption.Nop(), new TcpOption.Nop(),
                new TcpOption.Eol(), new TcpOption.Eol()), TcpOption.decode(wire));
        assertEquals("<FO 01020304,nop,nop,eol,eol>", TcpOption.format(TcpOption.decode(wire)));
    }

    @Test
    void tfoCookieIsPacketdrillsValueAnyOtherNameUnsupportedAndAnOddDigitCountAnError() {
        // packetdrill's runner defines TFO_COOKIE as Linux's cookie for its default IPv4 addresses.
        assertEquals("fe0cf9893021b9d889017eeb", bytes(parse("S 0:0(0) win 5840 <FOEXP TFO_COOKIE>")));
        assertThrows(ScriptException.class, () -> parse("S 0:0(0) win 5840 <FOEXP OTHER_COOKIE>"));
        assertThrows(ScriptException.class, () -> parse("S 0:0(0) win 5840 <FO 123,nop>"));
    }
}
