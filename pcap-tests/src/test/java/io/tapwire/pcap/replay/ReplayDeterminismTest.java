package io.tapwire.pcap.replay;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Same scenario twice, same output: byte-identical frames at identical virtual times. */
class ReplayDeterminismTest {
    @Test
    void everyScenarioReplaysIdenticallyTwice() {
        for (Scenario s : Corpus.all()) {
            Replay.Result first = Replay.run(s);
            Replay.Result second = Replay.run(s);
            assertEquals(first.emitted().size(), second.emitted().size(), s.name() + ": frame count differs between two replays");
            for (int i = 0; i < first.emitted().size(); i++) {
                assertEquals(first.emitted().get(i), second.emitted().get(i), s.name() + ": frame " + (i + 1) + " differs between two replays");
            }
            assertEquals(first.statistics().format(), second.statistics().format(), s.name() + ": counters differ between two replays");
        }
    }
}
