package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code tapwire conformance PATH...} prints and returns, on scripts written here. */
class ConformanceRunnerTest {
    private static final String PASSES = """
             0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
            +0 bind(3, ..., ...) = 0
            +0 < . 17:20(3) ack 34 win 32767
            +0 > R 34:34(0) win 0
            """;

    private String out;
    private String err;

    private int run(ConformanceRunner.Request request) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = ConformanceRunner.run(request, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return code;
    }

    @Test
    void reportsFoldersFailuresAndTheFinalCounts(@TempDir Path dir) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("suite"));
        Files.writeString(folder.resolve("a-passes-ipv4.pkt"), PASSES);
        Files.writeString(folder.resolve("b-fails-ipv4.pkt"), PASSES.replace("> R 34:34(0) win 0", "> R 35:35(0) win 0"));
        Files.writeString(folder.resolve("c-ipv6.pkt"), "--ip_version=ipv6\n" + PASSES);
        Files.writeString(folder.resolve("e-mapped-ipv6.pkt"), "--ip_version=ipv4-mapped-ipv6\n" + PASSES);
        Files.writeString(folder.resolve("d-udp-ipv4.pkt"), "0 < udp (10)\n");
        Files.writeString(folder.resolve("notes.txt"), "not a script");

        int code = run(new ConformanceRunner.Request(List.of(folder), RunOptions.standard(), false, null, true));
        assertEquals(1, code, out + err);
        // The IPv6 script runs (and passes) over IPv6; an IPv4-mapped one is skipped.
        assertTrue(out.contains("2 passed, 1 failed, 1 skipped-IPv6, 1 skipped-unsupported; pass rate 50.0% (2 of 4);"
                + " IPv4 1 of 3 passed, IPv6 1 of 2 passed"), out);
        assertTrue(out.contains("FAIL " + folder + "/b-fails-ipv4.pkt:4: seq: expected 35 got 34"), out);
        assertTrue(out.contains("SKIP " + folder + "/d-udp-ipv4.pkt:1: unsupported: non-TCP packet ('udp')"), out);
        assertTrue(out.contains(folder + "/b-fails-ipv4.pkt  line 4: seq: expected 35 got 34"), "the failure list: " + out);
        assertTrue(out.endsWith("# script  first difference (a starting point for a known-failures list; replace each with the reason)\n"
                + folder + "/b-fails-ipv4.pkt  line 4: seq: expected 35 got 34\n" + "2 passed, 1 failed, 2 skipped\n"), out);
    }

    @Test
    void theLastLineCountsEveryScriptGiven(@TempDir Path dir) throws Exception {
        Path a = Files.writeString(dir.resolve("a.pkt"), PASSES);
        assertEquals(0, run(new ConformanceRunner.Request(List.of(a, a), RunOptions.standard(), true, null, false)), out);
        assertTrue(out.endsWith("2 passed, 0 failed, 0 skipped\n"), out);
    }

    @Test
    void aKnownFailuresListDecidesTheExitCode(@TempDir Path dir) throws Exception {
        Path b = Files.writeString(dir.resolve("b.pkt"), PASSES.replace("win 0", "win 1"));
        Path list = Files.writeString(dir.resolve("known.txt"), b + "  window of a RST is 0 (RFC 9293 3.10.7.1 leaves it open)\n");
        assertEquals(0, run(new ConformanceRunner.Request(List.of(b), RunOptions.standard(), false, list, false)), out);
        assertTrue(out.endsWith("known failures: the list (1 scripts) matches this run\n0 passed, 1 failed, 0 skipped\n"), out);
        Files.writeString(list, "# nothing listed\n");
        assertEquals(1, run(new ConformanceRunner.Request(List.of(b), RunOptions.standard(), false, list, false)), out);
        assertTrue(out.contains("new failure"), out);
    }

    @Test
    void aMissingPathIsAUsageError(@TempDir Path dir) {
        assertEquals(2, run(new ConformanceRunner.Request(List.of(dir.resolve("nope")), RunOptions.standard(), false, null, false)));
        assertTrue(err.contains("does not exist"), err);
    }
}
