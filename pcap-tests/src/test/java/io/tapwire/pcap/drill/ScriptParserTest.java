package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScriptParserTest {
    private static Script parse(String text) {
        return ScriptParser.parse("t.pkt", text, Set.of("STANDARD"));
    }

    private static Script.Event only(String line) {
        return parse(line).events().get(0);
    }

    @Test
    void optionLinesComeFirstAndKeepTheirValues() {
        Script s = parse("""
                --ip_version=ipv4
                --tolerance_usecs=75000 --mtu=1400
                --verbose
                 0.00 close(3) = 0
                """);
        assertEquals("ipv4", s.options().get("ip_version"));
        assertEquals("75000", s.options().get("tolerance_usecs"));
        assertEquals("1400", s.options().get("mtu"));
        assertTrue(s.options().containsKey("verbose"));
        assertNull(s.options().get("verbose"));
    }

    @Test
    void timesAreAbsoluteRelativeAnyOrRanges() {
        Script s = parse("""
                0.00 close(3) = 0
                +0.10 > . 1:1(0) ack 1 win 5
                * > . 1:1(0) ack 1 win 5
                1.5~2 > . 1:1(0) ack 1 win 5
                +0.0~+0.2 > . 1:1(0) ack 1 win 5
                +.25 close(4) = 0
                """);
        List<Script.Event> e = s.events();
        assertEquals(EventTime.absolute(0), e.get(0).time());
        assertEquals(EventTime.relative(100_000), e.get(1).time());
        assertEquals(EventTime.Kind.ANY, e.get(2).time().kind());
        assertEquals(new EventTime(EventTime.Kind.ABSOLUTE_RANGE, 1_500_000, 2_000_000), e.get(3).time());
        assertEquals(new EventTime(EventTime.Kind.RELATIVE_RANGE, 0, 200_000), e.get(4).time());
        assertEquals(EventTime.relative(250_000), e.get(5).time());
    }

    @Test
    void starAndRangesOnlyForOutboundPackets() {
        ScriptException e = assertThrows(ScriptException.class, () -> parse("0 close(3) = 0\n* close(3) = 0\n"));
        assertEquals(ScriptException.Kind.SYNTAX, e.kind());
        assertEquals(2, e.line());
        assertThrows(ScriptException.class, () -> parse("0 close(3) = 0\n+0~+1 < . 1:1(0) ack 1 win 1\n"));
    }

    @Test
    void inboundSegmentWithFlagsSequenceAckWindowAndOptions() {
        Script.Packet p = (Script.Packet) only("0 < S. 0:0(0) ack 1 win 32767 <mss 1460,sackOK,eol,eol>").action();
        assertTrue(p.inbound());
        TcpSpec t = p.tcp();
        assertEquals(TcpSpec.SYN | TcpSpec.ACK, t.flags());
        assertEquals(0, t.seq());
        assertEquals(0, t.payload());
        assertEquals(1L, t.ack());
        assertEquals(32767, t.window());
        assertArrayEquals(new byte[] {2, 4, 0x05, (byte) 0xb4, 4, 2, 0, 0}, TcpOption.encode(t.options()));
    }

    @Test
    void outboundSegmentMayLeaveSequenceWindowAndOptionsUnchecked() {
        TcpSpec t = ((Script.Packet) only("0 > S. ...(0) ack 65537 <...>").action()).tcp();
        assertTrue(t.seqIgnored());
        assertNull(t.window());
        assertNull(t.options());
        TcpSpec d = ((Script.Packet) only("0 > P. 1:1001(1000) ack 1 win 257").action()).tcp();
        assertEquals(TcpSpec.PSH | TcpSpec.ACK, d.flags());
        assertEquals(1000, d.payload());
    }

    @Test
    void sackBlocksTimestampsAndWindowScale() {
        TcpSpec t = ((Script.Packet) only("0 > . 1:1(0) ack 4 win 65535 <nop,nop,sack 8:16 2:4>").action()).tcp();
        assertEquals("<nop,nop,sack 8:16 2:4>", TcpOption.format(t.options()));
        TcpSpec s = ((Script.Packet) only("0 > S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>").action()).tcp();
        assertEquals(20, TcpOption.encode(s.options()).length);
        assertEquals("<mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>", TcpOption.format(s.options()));
    }

    @Test
    void malformedSegmentsAreSyntaxErrors() {
        assertThrows(ScriptException.class, () -> only("0 < . 1:5(3) ack 1 win 1"), "inconsistent sequence numbers");
        assertThrows(ScriptException.class, () -> only("0 < . 1:1(0) ack 1"), "inbound packets need a window");
        assertThrows(ScriptException.class, () -> only("0 < S 0:0(0) win 1 <mss 1460,nop>"), "options not a multiple of 4");
        assertThrows(ScriptException.class, () -> only("0 < SS 0:0(0) win 1"), "flag twice");
    }

    @Test
    void numbersAndTimesTooLargeForALongAreSyntaxErrors() {
        // Found by PacketdrillFuzzTest: they escaped the parser as ArithmeticException and
        // NumberFormatException, and so escaped Interpreter.run, which promises never to throw.
        ScriptException time = assertThrows(ScriptException.class, () -> parse("99999999999999999 close(3) = 0\n"));
        assertTrue(time.getMessage().contains("out of range"), time.getMessage());
        ScriptException number = assertThrows(ScriptException.class, () -> parse("0 close(99999999999999999999) = 0\n"));
        assertTrue(number.getMessage().contains("out of range"), number.getMessage());
        assertThrows(ScriptException.class, () -> parse("0 close(3) = 0x10000000000000000\n"));
        assertEquals(ScriptResult.Status.SKIPPED_UNSUPPORTED,
                Interpreter.run("t.pkt", "99999999999999999 close(3) = 0\n", RunOptions.standard()).status());
    }

    @Test
    void nonTcpPacketsAndUnknownOptionsAreUnsupported() {
        ScriptException udp = assertThrows(ScriptException.class, () -> only("0 < udp (1472)"));
        assertEquals(ScriptException.Kind.UNSUPPORTED, udp.kind());
        // (FO, Fast Open's option, is known since the Fast Open work: see FastOpenOptionTest; md5,
        // RFC 2385's, since the TCP-MD5 work: see LinuxMd5AndProcTest.)
        ScriptException unknown = assertThrows(ScriptException.class, () -> only("0 < S 0:0(0) win 1 <mptcp 0123456789abcdef>"));
        assertEquals(ScriptException.Kind.UNSUPPORTED, unknown.kind());
    }

    @Test
    void blockingCallsTakeAStartAndEndTime() {
        Script.Event e = only("+0.1...0.3 accept(3, ..., ...) = 4");
        assertEquals(EventTime.Kind.RELATIVE_RANGE, e.time().kind());
        assertEquals(100_000, e.time().startMicros());
        assertEquals(300_000, e.time().endMicros());
        assertEquals(EventTime.Kind.ABSOLUTE_RANGE, only("0...0.1 accept(3, ..., ...) = 4").time().kind());
        ScriptException packet = assertThrows(ScriptException.class, () -> only("0...0.1 < S 0:0(0) win 1"));
        assertEquals(ScriptException.Kind.SYNTAX, packet.kind());
    }

    @Test
    void aShellLineWithoutATimeRunsAtOnceAndKeepsItsLines() {
        Script s = ScriptParser.parse("t.pkt", "`../common/defaults.sh\nsysctl -q net.ipv4.tcp_sack=0`\n0 close(3) = 0\n", java.util.Set.of());
        Script.Event first = s.events().get(0);
        assertEquals(EventTime.Kind.RELATIVE, first.time().kind());
        assertEquals(0, first.time().startMicros());
        assertEquals("../common/defaults.sh\nsysctl -q net.ipv4.tcp_sack=0", ((Script.Command) first.action()).text());
    }

    @Test
    void systemCallsWithErrnoNoteArraysStructsAndOr() {
        Script.Syscall c = (Script.Syscall) only("0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)").action();
        assertEquals("connect", c.name());
        assertEquals(3, c.args().size());
        assertEquals(-1, ((Expr.Int) c.result()).value());
        assertEquals("EINPROGRESS", c.errno());

        Script.Syscall f = (Script.Syscall) only("0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0").action();
        assertEquals(6, Syscalls.eval(f.args().get(2), 1));
        Script.Syscall g = (Script.Syscall) only("0 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)").action();
        assertEquals(2, ((Expr.Int) g.result()).value());
        assertNull(g.errno());

        Script.Syscall o = (Script.Syscall) only("0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0").action();
        assertEquals("[ECONNRESET]", o.args().get(3).toString());
        Script.Syscall l = (Script.Syscall) only("0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0").action();
        assertEquals("{onoff=1, linger=0}", l.args().get(3).toString());
    }

    @Test
    void commandsCodeAndComments() {
        Script s = parse("""
                // a comment line
                 0.00 `sysctl -w net.inet.tcp.sack.enable=1`   // trailing comment
                /* a block
                   comment */ +0 %{ assert tcpi_state == TCPI_LISTEN }%
                +0 `sockstat -4 -P tcp -s | grep packetdril | grep -c TIME_WAIT | grep 1`
                """);
        assertEquals(new Script.Command("sysctl -w net.inet.tcp.sack.enable=1"), s.events().get(0).action());
        assertEquals(2, s.events().get(0).line());
        assertEquals(new Script.Code("assert tcpi_state == TCPI_LISTEN"), s.events().get(1).action());
        assertEquals(4, s.events().get(1).line());
        assertEquals("sockstat -4 -P tcp -s | grep packetdril | grep -c TIME_WAIT | grep 1",
                ((Script.Command) s.events().get(2).action()).text());
    }

    @Test
    void ifdefKeepsTheDefinedBranchAndLineNumbers() {
        String text = """
                0 close(3) = 0
                #ifdef STANDARD
                +0 close(4) = 0
                #endif
                #ifdef FreeBSD
                +0 close(5) = 0
                #else
                +0 close(6) = 0
                #endif
                """;
        Script standard = ScriptParser.parse("t", text, Set.of("STANDARD"));
        assertEquals(List.of("close(3) = 0", "close(4) = 0", "close(6) = 0"),
                standard.events().stream().map(e -> e.action().toString()).toList());
        assertEquals(8, standard.events().get(2).line());
        Script freebsd = ScriptParser.parse("t", text, Set.of("FreeBSD"));
        assertEquals(List.of("close(3) = 0", "close(5) = 0"), freebsd.events().stream().map(e -> e.action().toString()).toList());
        assertThrows(ScriptException.class, () -> ScriptParser.parse("t", "0 close(3) = 0\n#ifdef X\n", Set.of()));
    }
}
