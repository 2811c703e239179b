package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * packetdrill's packet-fuzzing annotations after a packet ({@code { mut tcp mss }},
 * {@code { rep ipv4 protocol 0x02 }}...) make a script unsupported with that reason, not a syntax
 * error; other trailing text is still an error.
 */
class FuzzAnnotationTest {
    private static final String HEAD = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n";

    private static ScriptException failure(String line) {
        return assertThrows(ScriptException.class, () -> ScriptParser.parse("f.pkt", HEAD + line + "\n", Set.of()));
    }

    @Test
    void annotationsOfEachOperationAreUnsupportedNamingFuzzing() {
        String[] lines = {
            "+0 > S 0:0(0) <mss 1460> { mut tcp mss }",
            "+0 < P. 1:11(10) ack 1 win 100 {rep tcp win_size 0x0400}",
            "+0 > S 0:0(0) <mss 1460> { trun tcp 20-22; ins ipv4 20 4 }",
        };
        for (String line : lines) {
            ScriptException e = failure(line);
            assertEquals(ScriptException.Kind.UNSUPPORTED, e.kind(), line);
            assertTrue(e.getMessage().contains("packet fuzzing"), e.getMessage());
            assertEquals(2, e.line());
        }
    }

    @Test
    void otherTrailingTextIsStillASyntaxError() {
        assertEquals(ScriptException.Kind.SYNTAX, failure("+0 > S 0:0(0) <mss 1460> { bend tcp mss }").kind());
        assertEquals(ScriptException.Kind.SYNTAX, failure("+0 close(3) = 0 { mut tcp mss }").kind());
    }
}
