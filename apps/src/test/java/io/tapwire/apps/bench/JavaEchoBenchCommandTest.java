package io.tapwire.apps.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tapwire bench java-echo} without running servers: its rounds option and how rounds are summarized. */
class JavaEchoBenchCommandTest {
    private static JavaEchoBenchCommand.Figures f(long qps, double bulk) {
        return new JavaEchoBenchCommand.Figures(qps, 100, 200, bulk);
    }

    @Test
    void oneRoundIsPlainRatios() {
        JavaEchoBenchCommand.Summary s = JavaEchoBenchCommand.summarize(List.of(f(50_000, 1_000)), List.of(f(40_000, 500)));
        assertEquals(0.8, s.qpsRatio(), 1e-9);
        assertEquals(0.5, s.bulkRatio(), 1e-9);
        assertEquals(0.5, s.minBulkRatio(), 1e-9);
        assertEquals(0.5, s.maxBulkRatio(), 1e-9);
    }

    @Test
    void roundsGiveTheRatioOfTheMediansAndTheRangeOfSingleRounds() {
        // Linux's bulk swings from 600 to 1,500 between rounds (as on this machine): the median
        // ratio is 600/1200, while single rounds range from 0.40 to 1.00.
        List<JavaEchoBenchCommand.Figures> linux = List.of(f(50_000, 1_500), f(60_000, 600), f(55_000, 1_200));
        List<JavaEchoBenchCommand.Figures> tapwire = List.of(f(55_000, 600), f(54_000, 600), f(66_000, 650));
        JavaEchoBenchCommand.Summary s = JavaEchoBenchCommand.summarize(linux, tapwire);
        assertEquals(55_000, s.linuxQps(), 1e-9);
        assertEquals(55_000, s.tapwireQps(), 1e-9);
        assertEquals(1.0, s.qpsRatio(), 1e-9);
        assertEquals(1_200, s.linuxBulk(), 1e-9);
        assertEquals(600, s.tapwireBulk(), 1e-9);
        assertEquals(0.5, s.bulkRatio(), 1e-9);
        assertEquals(0.4, s.minBulkRatio(), 1e-9);
        assertEquals(1.0, s.maxBulkRatio(), 1e-9);
        assertEquals(0.9, s.minQpsRatio(), 1e-9);
        assertEquals(1.2, s.maxQpsRatio(), 1e-9);
    }

    @Test
    void anEvenNumberOfRoundsTakesTheMeanOfTheMiddleTwo() {
        JavaEchoBenchCommand.Summary s = JavaEchoBenchCommand.summarize(
                List.of(f(10, 100), f(20, 200), f(30, 300), f(40, 400)),
                List.of(f(10, 100), f(10, 100), f(20, 200), f(20, 200)));
        assertEquals(25, s.linuxQps(), 1e-9);
        assertEquals(15, s.tapwireQps(), 1e-9);
        assertEquals(150.0 / 250.0, s.bulkRatio(), 1e-9);
    }

    @Test
    void roundsMustPair() {
        assertThrows(IllegalArgumentException.class, () -> JavaEchoBenchCommand.summarize(List.of(), List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> JavaEchoBenchCommand.summarize(List.of(f(1, 1), f(1, 1)), List.of(f(1, 1))));
    }

    @Test
    void repeatBelowOneIsRefusedBeforeAnythingRuns() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int rc;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            rc = new CommandLine(new JavaEchoBenchCommand()).execute("--classpath", "x", "--repeat", "0", "--", "Main");
        } finally {
            System.setErr(err);
        }
        assertEquals(2, rc);
        assertTrue(captured.toString(StandardCharsets.UTF_8).contains("--repeat must be at least 1, got 0"), captured.toString(StandardCharsets.UTF_8));
    }

    @Test
    void repeatDefaultsToOneRound() {
        JavaEchoBenchCommand cmd = new JavaEchoBenchCommand();
        new CommandLine(cmd).parseArgs("--classpath", "x", "--", "Main");
        assertEquals(1, cmd.repeat);
        new CommandLine(cmd).parseArgs("--classpath", "x", "--repeat", "5", "--", "Main", "7007");
        assertEquals(5, cmd.repeat);
        assertEquals(List.of("7007"), cmd.args);
    }
}
