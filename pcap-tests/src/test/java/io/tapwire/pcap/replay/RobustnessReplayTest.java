package io.tapwire.pcap.replay;

import io.tapwire.Stat;
import io.tapwire.Statistics;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Robustness replay: every frame of every scenario, with hostile variants of it (see
 * {@link Mutations}) delivered just before it at the same time, into a fresh stack running the
 * scenario's apps. Nothing may escape {@code poll} (the replay would throw), no internal error may
 * be counted, and every frame must end accepted or dropped for a counted reason.
 */
class RobustnessReplayTest {
    @Test
    void mutatedCorpusFramesAreAllAccountedFor() {
        long mutated = 0;
        for (Scenario s : Corpus.all()) {
            SplittableRandom rnd = new SplittableRandom(s.name().hashCode());
            List<TimedFrame> input = new ArrayList<>();
            for (TimedFrame f : s.input()) {
                for (byte[] m : Mutations.of(f.bytes(), rnd)) {
                    input.add(new TimedFrame(f.timeNanos(), m));
                    mutated++;
                }
                input.add(f);
            }
            Statistics st = Replay.run(s.config(), input).statistics();
            String where = s.name() + ":\n" + st.format();
            assertEquals(0, st.get(Stat.RX_INTERNAL_ERRORS), "no exception inside the stack in " + where);
            assertEquals(input.size(), st.get(Stat.RX_FRAMES), "every frame delivered in " + where);
            assertEquals(st.get(Stat.RX_FRAMES), st.get(Stat.RX_ACCEPTED) + st.get(Stat.RX_DROPPED), "accepted + dropped in " + where);
            assertEquals(st.get(Stat.RX_DROPPED), st.drops().total(), "every drop has a reason in " + where);
        }
        assertTrue(mutated > 10_000, "only " + mutated + " mutated frames");
        System.out.println("robustness replay: " + mutated + " mutated frames over " + Corpus.folders().size() + " scenarios");
    }

    @Test
    void checksumRepairMatchesRecordedChecksums() {
        // The repair used on mutated frames reproduces the checksums of real frames.
        for (Scenario s : Corpus.all()) {
            for (TimedFrame f : s.input()) {
                assertArrayEquals(f.bytes(), Mutations.fixChecksums(f.bytes().clone()), s.name() + ": checksum repair changed a valid frame");
            }
        }
    }
}
