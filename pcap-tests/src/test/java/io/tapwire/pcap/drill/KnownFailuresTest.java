package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KnownFailuresTest {
    private static ScriptResult result(String name, ScriptResult.Status status) {
        return new ScriptResult(name, status, status == ScriptResult.Status.FAILED ? 12 : 0,
                status == ScriptResult.Status.FAILED ? "window: expected 1 got 2" : null, List.of(), List.of(), List.of());
    }

    @Test
    void parsesNamesAndReasonsSkippingComments() throws IOException {
        KnownFailures k = KnownFailures.parse(new StringReader("""
                # comment
                a/b-ipv4.pkt  SACK blocks not sent (RFC 2018 section 4)

                a/c-ipv4.pkt    needs insecure_rst
                """));
        assertEquals(2, k.size());
        assertEquals("SACK blocks not sent (RFC 2018 section 4)", k.reason("a/b-ipv4.pkt"));
        assertTrue(k.contains("a/c-ipv4.pkt"));
        assertThrows(IOException.class, () -> KnownFailures.parse(new StringReader("a/b.pkt\n")), "a reason is required");
        assertThrows(IOException.class, () -> KnownFailures.parse(new StringReader("a  x\na  y\n")), "listed twice");
    }

    @Test
    void theListMustStayTrue() throws IOException {
        KnownFailures k = KnownFailures.parse(new StringReader("""
                listed-fails.pkt  reason
                listed-passes.pkt  reason
                listed-skipped.pkt  reason
                listed-missing.pkt  reason
                """));
        List<Conformance.Group> groups = List.of(new Conformance.Group("g", List.of(
                result("listed-fails.pkt", ScriptResult.Status.FAILED),
                result("listed-passes.pkt", ScriptResult.Status.PASSED),
                result("listed-skipped.pkt", ScriptResult.Status.SKIPPED_UNSUPPORTED),
                result("new-failure.pkt", ScriptResult.Status.FAILED),
                result("ipv6.pkt", ScriptResult.Status.SKIPPED_IPV6))));
        List<String> problems = k.check(groups, true);
        assertEquals(4, problems.size(), String.join("\n", problems));
        assertTrue(problems.get(0).startsWith("listed as a known failure but passes now"), problems.get(0));
        assertTrue(problems.get(1).startsWith("listed as a known failure but skipped"), problems.get(1));
        assertTrue(problems.get(2).contains("new-failure.pkt:12: window: expected 1 got 2"), problems.get(2));
        assertTrue(problems.get(3).contains("not run (no such script?): listed-missing.pkt"), problems.get(3));
        assertEquals(3, k.check(groups, false).size(), "an incomplete run does not judge scripts it did not run");
    }
}
