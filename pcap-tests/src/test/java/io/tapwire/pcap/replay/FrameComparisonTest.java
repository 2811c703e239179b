package io.tapwire.pcap.replay;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The comparison's verdicts and report lines, on frames of the corpus. */
class FrameComparisonTest {
    private final Scenario echo = Corpus.load("tcp-echo");

    private List<TimedFrame> expected() {
        return echo.expected();
    }

    private FrameComparison compare(List<TimedFrame> actual) {
        return FrameComparison.compare("test", expected(), actual, 5_000_000L);
    }

    @Test
    void identicalFramesMatch() {
        assertTrue(compare(expected()).matches());
    }

    @Test
    void missingFrameIsNamed() {
        List<TimedFrame> actual = new ArrayList<>(expected());
        actual.remove(actual.size() - 1);
        FrameComparison c = compare(actual);
        assertFalse(c.matches());
        assertTrue(c.firstDifference().startsWith("frame " + expected().size() + ": missing"), c.firstDifference());
    }

    @Test
    void extraFrameIsNamed() {
        List<TimedFrame> actual = new ArrayList<>(expected());
        actual.add(actual.get(0));
        FrameComparison c = compare(actual);
        assertTrue(c.firstDifference().startsWith("frame " + (expected().size() + 1) + ": extra"), c.firstDifference());
    }

    @Test
    void lateFrameBeyondToleranceIsATimeDifference() {
        List<TimedFrame> actual = new ArrayList<>(expected());
        TimedFrame last = actual.remove(actual.size() - 1);
        actual.add(last.at(last.timeNanos() + 6_000_000L));
        assertTrue(compare(actual).firstDifference().matches("frame \\d+: time expected .* \\(off by 6\\.000 ms, tolerance 5\\.000 ms\\)"),
                compare(actual).firstDifference());
        actual.set(actual.size() - 1, last.at(last.timeNanos() + 4_000_000L));
        assertTrue(compare(actual).matches());
    }

    @Test
    void payloadByteDifferenceGivesItsOffset() {
        List<TimedFrame> actual = new ArrayList<>(expected());
        int i = indexWithPayload();
        byte[] b = actual.get(i).bytes().clone();
        b[b.length - 1] ^= 1;
        actual.set(i, actual.get(i).at(actual.get(i).timeNanos()).withBytes(b));
        String d = compare(actual).firstDifference();
        assertTrue(d.startsWith("frame " + (i + 1) + ": tcp.checksum") || d.startsWith("frame " + (i + 1) + ": payload["), d);
    }

    @Test
    void headerFieldDifferenceIsNamed() {
        List<TimedFrame> actual = new ArrayList<>(expected());
        int i = indexWithPayload();
        byte[] b = actual.get(i).bytes().clone();
        b[14 + 8] = 17; // TTL
        actual.set(i, actual.get(i).withBytes(b));
        assertEquals("frame " + (i + 1) + ": ip.ttl expected 64 got 17", compare(actual).firstDifference());
    }

    @Test
    void reportShowsBothSidesAndTheScenario() {
        List<TimedFrame> actual = new ArrayList<>(expected());
        actual.remove(2);
        String r = FrameComparison.compare("scenarios/tcp-echo", expected(), actual, 5_000_000L).report();
        assertTrue(r.startsWith("scenario scenarios/tcp-echo: "), r);
        assertTrue(r.contains("first difference: frame 3: "), r);
        assertTrue(r.contains("Flags [S.]"), r);
        assertTrue(r.contains("(none)"), r);
    }

    @Test
    void decoderSummarisesLikeTcpdump() {
        String arp = FrameDecoder.decode(expected().get(0).bytes()).summary();
        assertTrue(arp.startsWith("ARP, "), arp);
        String synAck = FrameDecoder.decode(expected().get(2).bytes()).summary();
        assertTrue(synAck.matches("10\\.0\\.0\\.2\\.7 > 10\\.0\\.0\\.1\\.\\d+: Flags \\[S\\.\\], seq \\d+, ack \\d+, win 65535, options \\[mss 1460,sackOK,TS val \\d+ ecr \\d+,nop,wscale 2\\], length 0"),
                synAck);
    }

    @Test
    void timestampValueMayDifferWithinTheToleranceButNothingElse() {
        byte[] e = expected().get(indexWithPayload()).bytes();
        int ts = -1;
        for (int i = 14 + 20 + 20; i + 10 <= e.length; i++) {
            if (e[i] == 8 && e[i + 1] == 10) {
                ts = i + 2;
                break;
            }
        }
        assertTrue(ts > 0, "the data frame carries a timestamp option");
        byte[] a = e.clone();
        java.nio.ByteBuffer.wrap(a).putInt(ts, java.nio.ByteBuffer.wrap(e).getInt(ts) + 3);
        byte[] normalized = FrameComparison.withRecordedTimestamp(e, a, 5_000_000L);
        assertTrue(java.util.Arrays.equals(e, normalized), "3 ms apart within a 5 ms tolerance: equal after normalization");
        byte[] far = e.clone();
        java.nio.ByteBuffer.wrap(far).putInt(ts, java.nio.ByteBuffer.wrap(e).getInt(ts) + 10);
        assertTrue(java.util.Arrays.equals(far, FrameComparison.withRecordedTimestamp(e, far, 5_000_000L)), "10 ms apart: left alone");
        byte[] other = a.clone();
        other[other.length - 1] ^= 1;
        assertTrue(FrameComparison.firstDifferentField(e, FrameComparison.withRecordedTimestamp(e, other, 5_000_000L)) != null,
                "a payload difference still shows");
    }

    private int indexWithPayload() {
        for (int i = 0; i < expected().size(); i++) {
            if (FrameDecoder.decode(expected().get(i).bytes()).payload().length > 0) {
                return i;
            }
        }
        throw new AssertionError("no frame with payload in tcp-echo");
    }
}
