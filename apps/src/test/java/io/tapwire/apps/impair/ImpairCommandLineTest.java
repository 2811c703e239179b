package io.tapwire.apps.impair;

import io.tapwire.apps.Main;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The impairment options on the command line: documented, and a bad spec refused before anything opens (no root needed). */
class ImpairCommandLineTest {
    @Test
    void upDocumentsTheImpairmentAndThatItMeansPlainFrames() {
        String out = capture(() -> assertEquals(0, Main.run("up", "--help")));
        assertTrue(!out.contains("WARN"), "picocli could not format a description:\n" + out);
        for (String flag : new String[] {"--impair", "--impair-in", "--impair-out", "--impair-seed"}) {
            assertTrue(out.contains(flag), "up --help lacks " + flag + ":\n" + out);
        }
        assertTrue(out.replaceAll("\\s+", " ").contains("plain wire-sized frames only (no TSO/GSO super-frames)"), out);
    }

    @Test
    void relayAndBenchImpairAreCommands() {
        String relay = capture(() -> assertEquals(0, Main.run("relay", "--help")));
        assertTrue(relay.contains("--netns-a") && relay.contains("--impair-ab") && relay.contains("--impair-ba"), relay);
        String bench = capture(() -> assertEquals(0, Main.run("bench", "impair", "--help")));
        String flat = bench.replaceAll("\\s+", "");
        assertTrue(bench.contains("--bytes") && bench.contains("--cc") && flat.contains("delay=20ms,loss=1%,reorder=5%,rate=100mbit"), bench);
        assertTrue(!bench.contains("WARN") && !relay.contains("WARN"), "picocli could not format a description:\n" + bench + relay);
    }

    @Test
    void aBadSpecIsAUsageErrorBeforeAnyTapIsOpened() {
        String up = capture(() -> assertEquals(2, Main.run("up", "--tap", "tw-never-opened", "--impair", "jitter=5ms")));
        assertTrue(up.contains("unknown impairment 'jitter'"), up);
        String upIn = capture(() -> assertEquals(2, Main.run("up", "--impair-in", "loss=200%")));
        assertTrue(upIn.contains("loss=200%: must be between 0% and 100%"), upIn);
        String relay = capture(() -> assertEquals(2, Main.run("relay", "--netns-a", "a", "--netns-b", "b", "--impair-ab", "delay=5")));
        assertTrue(relay.contains("give a unit"), relay);
        String bench = capture(() -> assertEquals(2, Main.run("bench", "impair", "--cc", "vegas")));
        assertTrue(bench.contains("unknown congestion control 'vegas'"), bench);
    }

    private static String capture(Runnable r) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream p = new PrintStream(buf, true, StandardCharsets.UTF_8);
        System.setOut(p);
        System.setErr(p);
        try {
            r.run();
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
