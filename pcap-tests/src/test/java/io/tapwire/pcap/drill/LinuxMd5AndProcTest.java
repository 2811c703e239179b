package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drill's {@code md5} TCP option (RFC 2385, as packetdrill writes it: {@code md5 <hex digest>})
 * and its {@code grep ... /proc/net/tcp} shell lines, on small Linux-dialect scripts against a
 * real stack: a signed ACK to a listener without keys is dropped (Linux's TCPMD5Unexpected), so
 * the connection stays in SYN_RECV ({@code 03}) until the unsigned ACK.
 */
class LinuxMd5AndProcTest {
    private static final String HANDSHAKE = """
            `../common/defaults.sh`
                0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
               +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
               +0 bind(3, ..., ...) = 0
               +0 listen(3, 1) = 0
               +0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 10>
               +0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>
            +.01 < . 1:1(0) ack 1 win 514 <md5 000102030405060708090a0b0c0d0e0f,nop,nop>
            """;

    private static ScriptResult run(String text) {
        return Interpreter.run("t.pkt", text, RunOptions.standard(), null);
    }

    private static void assertPassed(ScriptResult r) {
        assertTrue(r.passed(), () -> r.status() + " " + r.location() + ": " + r.message() + "\n" + String.join("\n", r.trace())
                + "\n" + String.join("\n", r.notes()));
    }

    @Test
    void aSignedAckToAListenerWithoutAKeyIsDroppedAndTheUnsignedOneCompletesTheHandshake() {
        assertPassed(run(HANDSHAKE + """
                   +0 `grep " 03 " /proc/net/tcp | grep ":1F90"`
                   +0 `grep " 0A " /proc/net/tcp /proc/net/tcp6 | grep ":1F90"`
                 +.01 < . 1:1(0) ack 1 win 514
                   +0 accept(3, ..., ...) = 4
                   +0 `grep " 01 " /proc/net/tcp | grep ":1F90"`
                """));
    }

    @Test
    void grepFailsWhenNoRowMatches() {
        // The signed ACK was dropped: nothing is ESTABLISHED (01) yet.
        ScriptResult r = run(HANDSHAKE + """
                   +0 `grep " 01 " /proc/net/tcp`
                """);
        assertEquals(ScriptResult.Status.FAILED, r.status(), r::message);
        assertTrue(r.message().contains("no line"), r::message);
        ScriptResult port = run(HANDSHAKE + """
                   +0 `grep " 0A " /proc/net/tcp | grep ":1F91"`
                """);
        assertEquals(ScriptResult.Status.FAILED, port.status(), port::message);
    }

    @Test
    void theMd5OptionIsEncodedAsKind19AndDecodedBack() {
        byte[] digest = new byte[16];
        for (int i = 0; i < 16; i++) {
            digest[i] = (byte) i;
        }
        byte[] b = TcpOption.encode(List.of(new TcpOption.Md5(digest), new TcpOption.Nop(), new TcpOption.Nop()));
        assertEquals(20, b.length);
        assertEquals(19, b[0]);
        assertEquals(18, b[1]);
        assertEquals("<md5 000102030405060708090a0b0c0d0e0f,nop,nop>", TcpOption.format(TcpOption.decode(b)));
    }
}
