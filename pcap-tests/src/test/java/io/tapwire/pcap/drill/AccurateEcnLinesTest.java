package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Linux packetdrill's Accurate ECN notation (the AE flag 'A', the ACE counter as a digit after
 * the flags) is recognised and makes a script unsupported with that reason, rather than a syntax
 * error; classic ECN flags still parse and other letters are still errors.
 */
class AccurateEcnLinesTest {
    private static Script parse(String text) {
        return ScriptParser.parse("t.pkt", text, Set.of());
    }

    @Test
    void theAeFlagAndAceDigitsAreUnsupportedNamingAccurateEcn() {
        for (String flags : new String[] {"SEWA", "SW.", "P.5", "F5.", ".6"}) {
            String line = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 > [ect0] " + flags + " 1:1(0) ack 1 win 100\n";
            if (flags.equals("SW.")) {
                parse(line); // classic ECN's ECE and CWR: fine
                continue;
            }
            ScriptException e = assertThrows(ScriptException.class, () -> parse(line), flags);
            assertEquals(ScriptException.Kind.UNSUPPORTED, e.kind(), flags);
            assertTrue(e.getMessage().contains("Accurate ECN"), e.getMessage());
            assertEquals(2, e.line());
        }
    }

    @Test
    void otherLettersRemainSyntaxErrors() {
        ScriptException e = assertThrows(ScriptException.class,
                () -> parse("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 > SX 0:0(0) win 100\n"));
        assertEquals(ScriptException.Kind.SYNTAX, e.kind());
    }

    @Test
    void aScriptUsingThemIsSkippedWithTheReason() {
        ScriptResult r = Interpreter.run("a.pkt", """
                `sysctl -q net.ipv4.tcp_ecn=3`
                    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
                   +0 connect(4, ..., ...) = -1 EINPROGRESS (Operation now in progress)
                   +0 > [noecn] SEWA 0:0(0) <...>
                """, RunOptions.standard(), null);
        assertEquals(ScriptResult.Status.SKIPPED_UNSUPPORTED, r.status());
        assertTrue(r.message().startsWith("unsupported: Accurate ECN"), r.message());
    }
}
