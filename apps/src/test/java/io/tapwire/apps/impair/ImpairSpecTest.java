package io.tapwire.apps.impair;

import io.tapwire.link.LinkProfile;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImpairSpecTest {
    @Test
    void theIssuesExampleBecomesTheMatchingProfile() {
        LinkProfile p = ImpairSpec.parse("delay=20ms,loss=1%,reorder=5%,dup=0.1%,corrupt=0.1%,rate=100mbit");
        assertEquals(20_000_000L, p.delayNanos());
        assertEquals(0.01, p.lossRate(), 1e-12);
        assertEquals(0.05, p.reorderRate(), 1e-12);
        assertEquals(ImpairSpec.DEFAULT_REORDER_GAP, p.reorderGapFrames());
        assertEquals(ImpairSpec.DEFAULT_REORDER_HOLD_NANOS, p.reorderDelayNanos());
        assertEquals(0.001, p.duplicateRate(), 1e-12);
        assertEquals(0.001, p.corruptRate(), 1e-12);
        assertEquals(100_000_000L, p.rateBitsPerSecond());
        assertEquals(LinkProfile.DEFAULT_QUEUE_LIMIT, p.queueLimit());
    }

    @Test
    void unitsFractionsAndTheReorderKnobs() {
        LinkProfile p = ImpairSpec.parse(" delay=1.5s , loss=0.02, reorder=10%, reorder-gap=2, reorder-hold=500us, rate=2gbit, limit=50 ");
        assertEquals(1_500_000_000L, p.delayNanos());
        assertEquals(0.02, p.lossRate(), 1e-12);
        assertEquals(2, p.reorderGapFrames());
        assertEquals(500_000L, p.reorderDelayNanos());
        assertEquals(2_000_000_000L, p.rateBitsPerSecond());
        assertEquals(50, p.queueLimit());
        assertEquals(64_000L, ImpairSpec.parse("rate=64kbit").rateBitsPerSecond());
        assertEquals(250L, ImpairSpec.parse("delay=250us").delayNanos() / 1000);
    }

    @Test
    void emptyAndNoneAreTheIdealLink() {
        assertEquals(LinkProfile.ideal(), ImpairSpec.parse(""));
        assertEquals(LinkProfile.ideal(), ImpairSpec.parse("none"));
        assertEquals(LinkProfile.ideal(), ImpairSpec.parse(null));
    }

    @Test
    void formatRoundTrips() {
        String spec = "delay=20ms,loss=1%,reorder=5%,reorder-gap=3,reorder-hold=10ms,dup=0.1%,corrupt=0.1%,rate=100mbit";
        assertEquals(spec, ImpairSpec.format(ImpairSpec.parse(spec)));
        assertEquals(ImpairSpec.parse(spec), ImpairSpec.parse(ImpairSpec.format(ImpairSpec.parse(spec))));
        assertEquals("none", ImpairSpec.format(LinkProfile.ideal()));
    }

    @Test
    void badInputSaysWhatIsWrong() {
        assertMessage("unknown impairment 'jitter'", "jitter=5ms");
        assertMessage("give a unit", "delay=20");
        assertMessage("between 0% and 100%", "loss=150%");
        assertMessage("not key=value", "loss");
        assertMessage("give a rate with a unit", "rate=100");
        assertMessage("give a percentage", "loss=lots");
        assertMessage("reorder-gap=0: must be 1..1000", "reorder=1%,reorder-gap=0");
    }

    private static void assertMessage(String expected, String spec) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImpairSpec.parse(spec));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
