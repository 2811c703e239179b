package io.tapwire.pcap.drill;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Coverage-guided fuzzing of the packetdrill interpreter: any script text parses or is refused
 * with a {@link ScriptException}, and {@link Interpreter#run(String, String, RunOptions)} returns a
 * result for it, never throwing (its promise); the stack under the script never counts an internal
 * error, and the interpreter never fails with an exception of its own ("interpreter error"), which
 * would be a bug in it or in the stack. Virtual time is bounded: scripts whose events reach beyond
 * an hour are parsed but not run, so every input runs in milliseconds. Seeds: small scripts in the
 * style of the conformance suite.
 */
class PacketdrillFuzzTest {
    private static final long MAX_SCRIPT_MICROS = 3_600_000_000L;

    @FuzzTest(maxDuration = "30s")
    void scriptsParseAndRunWithoutEscapes(byte[] input) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        Script script;
        try {
            script = ScriptParser.parse("fuzz.pkt", text, RunOptions.standard().defines());
        } catch (ScriptException e) {
            assertNotNull(e.getMessage());
            return;
        }
        if (span(script) > MAX_SCRIPT_MICROS) {
            return;
        }
        ScriptResult r = Interpreter.run(script, RunOptions.standard());
        assertNotNull(r.status());
        if (r.status() == ScriptResult.Status.FAILED) {
            assertFalse(r.message().startsWith("interpreter error"), () -> r.location() + ": " + r.message() + "\n"
                    + String.join("\n", r.trace()));
            assertFalse(r.message().contains("RX_INTERNAL_ERRORS"), r::message);
        }
    }

    /** How far the script's times reach, in microseconds: the largest absolute time plus every relative step. */
    private static long span(Script script) {
        long absolute = 0;
        long relative = 0;
        for (Script.Event e : script.events()) {
            EventTime t = e.time();
            long reach = Math.max(Math.abs(t.startMicros()), Math.abs(t.endMicros()));
            if (t.kind() == EventTime.Kind.ABSOLUTE || t.kind() == EventTime.Kind.ABSOLUTE_RANGE) {
                absolute = Math.max(absolute, reach);
            } else {
                relative += reach;
            }
            if (absolute > MAX_SCRIPT_MICROS || relative > MAX_SCRIPT_MICROS || reach < 0) {
                return Long.MAX_VALUE;
            }
        }
        return absolute + relative;
    }
}
