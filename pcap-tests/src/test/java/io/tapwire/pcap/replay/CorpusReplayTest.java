package io.tapwire.pcap.replay;

import io.tapwire.Stat;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pcap regression suite: every recorded scenario replayed on virtual time must emit exactly
 * the frames of its {@code expected.pcap}, at the recorded times within the tolerance. A failure
 * prints the comparison report (frames side by side, the first differing field named).
 */
class CorpusReplayTest {
    @TestFactory
    Stream<DynamicTest> everyScenarioReplaysAsRecorded() {
        return Corpus.folders().stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            Scenario s = Corpus.load(dir.getFileName().toString());
            Replay.Result r = Replay.run(s);
            FrameComparison c = FrameComparison.compare(Corpus.display(s), s.expected(), r.emitted(), s.config().timeToleranceNanos());
            assertTrue(c.matches(), () -> "\n" + c.report());
            assertEquals(0, r.statistics().get(Stat.RX_INTERNAL_ERRORS), "internal errors while replaying " + s.name());
        }));
    }

    @Test
    void corpusIsLargeEnoughAndSmallEnough() throws Exception {
        List<Path> dirs = Corpus.folders();
        assertTrue(dirs.size() >= 30, "the corpus has " + dirs.size() + " scenarios, at least 30 are wanted");
        long total = 0;
        for (Path d : dirs) {
            for (String f : new String[] {Scenario.INPUT, Scenario.EXPECTED, Scenario.CONFIG, Scenario.DESCRIPTION}) {
                Path p = d.resolve(f);
                assertTrue(Files.isRegularFile(p), p + " is missing");
                long size = Corpus.size(p);
                assertTrue(size < 1_000_000, p + " is " + size + " bytes; keep every corpus file under 1 MB");
                total += size;
            }
            String description = Files.readString(d.resolve(Scenario.DESCRIPTION)).strip();
            assertFalse(description.isEmpty() || description.contains("\n"), d + ": the description must be one line");
        }
        assertTrue(total < 5_000_000, "the corpus is " + total + " bytes; keep it to a few MB");
    }

    @Test
    void everyScenarioHasInputAndOutput() {
        for (Scenario s : Corpus.all()) {
            assertFalse(s.expected().isEmpty(), s.name() + " has no expected frames");
            assertTrue(s.config().endNanos() > 0, s.name() + " has no end time");
            for (TimedFrame f : s.input()) {
                assertTrue(f.timeNanos() >= 0 && f.timeNanos() <= s.config().endNanos(), s.name() + ": input outside the recording");
            }
        }
    }
}
