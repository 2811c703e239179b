package io.tapwire.pcap.replay;

import java.util.ArrayList;
import java.util.List;

/**
 * Frame-by-frame comparison of what a replay emitted with the golden capture.
 *
 * <p>Rules:
 * <ul>
 *   <li>Frame {@code i} of the replay is compared with frame {@code i} of {@code expected.pcap};
 *       a missing or extra frame is a difference (no resynchronisation: after the first missing
 *       frame everything differs, and the report says so).</li>
 *   <li>Every header field must be equal, and so must the payload and the Ethernet padding.
 *       <b>Normalization list: empty.</b> Nothing in tapwire's output is random by design once a
 *       scenario fixes the MAC, the {@code seed} (IP identification, ephemeral ports) and
 *       {@code tcpIsnSecret}; initial sequence numbers follow from the secret and the virtual
 *       clock, which equals the recorded clock at every input. The scenario apps write no
 *       wall-clock values (the HTTP app sends no {@code Date}).</li>
 *   <li>The emission time may differ from the recorded one by at most the scenario's tolerance
 *       (default {@value ScenarioConfig#DEFAULT_TIME_TOLERANCE_NANOS} ns). Frames sent in answer
 *       to an input are emitted at exactly the recorded time; only timer-driven frames (delayed
 *       ACKs, retransmissions, persist probes) and timed app writes move: in the recording they
 *       fire when the thread gets to them, a few microseconds after their deadline, in the replay
 *       exactly on it, and later timers inherit that offset.</li>
 * </ul>
 */
public final class FrameComparison {
    /** One differing frame: its 1-based number and the first difference in it. */
    public record Difference(int frame, String what) {
        @Override
        public String toString() {
            return "frame " + frame + ": " + what;
        }
    }

    private static final int CONTEXT_BEFORE = 5;
    private static final int CONTEXT_AFTER = 10;
    private static final int MAX_COLUMN = 150;

    private final String scenario;
    private final List<TimedFrame> expected;
    private final List<TimedFrame> actual;
    private final long tolerance;
    private final List<Difference> differences = new ArrayList<>();

    private FrameComparison(String scenario, List<TimedFrame> expected, List<TimedFrame> actual, long tolerance) {
        this.scenario = scenario;
        this.expected = expected;
        this.actual = actual;
        this.tolerance = tolerance;
        int n = Math.max(expected.size(), actual.size());
        for (int i = 0; i < n; i++) {
            String d = differenceAt(i);
            if (d != null) {
                differences.add(new Difference(i + 1, d));
            }
        }
    }

    /**
     * Compares; {@code scenario} names the scenario (its folder) in the report. Times are relative
     * to the scenario origin in both lists.
     */
    public static FrameComparison compare(String scenario, List<TimedFrame> expected, List<TimedFrame> actual, long toleranceNanos) {
        return new FrameComparison(scenario, List.copyOf(expected), List.copyOf(actual), toleranceNanos);
    }

    public boolean matches() {
        return differences.isEmpty();
    }

    public List<Difference> differences() {
        return List.copyOf(differences);
    }

    /** The first difference as one line, e.g. {@code frame 7: tcp.window expected 65535 got 64240}; null if none. */
    public String firstDifference() {
        return differences.isEmpty() ? null : differences.get(0).toString();
    }

    private String differenceAt(int i) {
        if (i >= actual.size()) {
            return "missing: expected " + line(expected.get(i)) + ", the replay emitted only " + actual.size() + " frames";
        }
        if (i >= expected.size()) {
            return "extra: the replay emitted " + line(actual.get(i)) + " after the " + expected.size() + " expected frames";
        }
        TimedFrame e = expected.get(i);
        TimedFrame a = actual.get(i);
        String field = firstDifferentField(e.bytes(), withRecordedTimestamp(e.bytes(), a.bytes(), tolerance));
        if (field != null) {
            return field;
        }
        long dt = a.timeNanos() - e.timeNanos();
        if (Math.abs(dt) > tolerance) {
            return "time expected " + seconds(e.timeNanos()) + " s got " + seconds(a.timeNanos()) + " s (off by "
                    + millis(dt) + " ms, tolerance " + millis(tolerance) + " ms)";
        }
        return null;
    }

    /**
     * The one normalization (RFC 7323 timestamps): TSval is a millisecond clock reading, so a frame
     * emitted within the time tolerance of its recorded time may carry a TSval that differs by as
     * many milliseconds. When both frames are TCP with a timestamp option and the TSvals differ by
     * no more than the tolerance, the replayed frame's TSval is replaced by the recorded one (and
     * its checksum recomputed) before comparing; every other byte must still be equal. Returns
     * {@code actual} unchanged otherwise.
     */
    static byte[] withRecordedTimestamp(byte[] expected, byte[] actual, long toleranceNanos) {
        int te = tsValOffset(expected);
        int ta = tsValOffset(actual);
        if (te < 0 || ta < 0 || te != ta) {
            return actual;
        }
        int ve = java.nio.ByteBuffer.wrap(expected).getInt(te);
        int va = java.nio.ByteBuffer.wrap(actual).getInt(ta);
        long allowedMillis = (toleranceNanos + 999_999) / 1_000_000;
        if (ve == va || Math.abs((long) (va - ve)) > allowedMillis) {
            return actual;
        }
        byte[] copy = actual.clone();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(copy);
        b.putInt(ta, ve);
        int ip = 14;
        int ihl = (copy[ip] & 0x0F) * 4;
        int tcp = ip + ihl;
        int tcpLen = (b.getShort(ip + 2) & 0xFFFF) - ihl;
        b.putShort(tcp + 16, (short) 0);
        long sum = 0;
        for (int k = 0; k < 8; k += 2) {
            sum += b.getShort(ip + 12 + k) & 0xFFFF;
        }
        sum += 6 + tcpLen;
        for (int k = 0; k + 1 < tcpLen; k += 2) {
            sum += b.getShort(tcp + k) & 0xFFFF;
        }
        if ((tcpLen & 1) != 0) {
            sum += (copy[tcp + tcpLen - 1] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        b.putShort(tcp + 16, (short) ~sum);
        return copy;
    }

    /** Absolute offset of the TSval in an Ethernet/IPv4/TCP frame with a timestamp option, or -1. */
    private static int tsValOffset(byte[] f) {
        if (f.length < 14 + 20 + 20 || (f[12] & 0xFF) != 0x08 || f[13] != 0x00 || (f[14] >>> 4) != 4 || f[14 + 9] != 6) {
            return -1;
        }
        int ihl = (f[14] & 0x0F) * 4;
        int tcp = 14 + ihl;
        if (tcp + 20 > f.length) {
            return -1;
        }
        int hl = ((f[tcp + 12] & 0xF0) >>> 4) * 4;
        int end = Math.min(tcp + hl, f.length);
        for (int i = tcp + 20; i < end; ) {
            int kind = f[i] & 0xFF;
            if (kind == 0) {
                return -1;
            }
            if (kind == 1) {
                i++;
                continue;
            }
            if (i + 1 >= end) {
                return -1;
            }
            int len = f[i + 1] & 0xFF;
            if (len < 2 || i + len > end) {
                return -1;
            }
            if (kind == 8 && len == 10) {
                return i + 2;
            }
            i += len;
        }
        return -1;
    }

    /** The first header field, payload byte or padding byte that differs, as a report line; null if the frames are equal. */
    static String firstDifferentField(byte[] expected, byte[] actual) {
        if (java.util.Arrays.equals(expected, actual)) {
            return null;
        }
        FrameDecoder.Decoded e = FrameDecoder.decode(expected);
        FrameDecoder.Decoded a = FrameDecoder.decode(actual);
        int n = Math.min(e.fields().size(), a.fields().size());
        for (int i = 0; i < n; i++) {
            FrameDecoder.Field fe = e.fields().get(i);
            FrameDecoder.Field fa = a.fields().get(i);
            if (!fe.name().equals(fa.name())) {
                return "different headers: expected " + fe.name() + " " + fe.value() + " where the replay has " + fa.name() + " " + fa.value();
            }
            if (!fe.value().equals(fa.value())) {
                return fe.name() + " expected " + fe.value() + " got " + fa.value();
            }
        }
        if (e.fields().size() > n) {
            FrameDecoder.Field fe = e.fields().get(n);
            return fe.name() + " expected " + fe.value() + " got nothing (headers end early)";
        }
        if (a.fields().size() > n) {
            FrameDecoder.Field fa = a.fields().get(n);
            return fa.name() + " expected nothing got " + fa.value();
        }
        String p = bytesDiffer("payload", e.payload(), a.payload());
        if (p != null) {
            return p;
        }
        String pad = bytesDiffer("eth.padding", e.padding(), a.padding());
        return pad != null ? pad : "frames differ";
    }

    private static String bytesDiffer(String name, byte[] e, byte[] a) {
        int n = Math.min(e.length, a.length);
        for (int i = 0; i < n; i++) {
            if (e[i] != a[i]) {
                return String.format("%s[%d] expected 0x%02x got 0x%02x", name, i, e[i], a[i]);
            }
        }
        if (e.length != a.length) {
            return name + " length expected " + e.length + " got " + a.length;
        }
        return null;
    }

    /**
     * The readable report: scenario, counts, the first difference, and the frames around it side
     * by side in tcpdump style (expected left, replay right; {@code >} marks differing frames).
     */
    public String report() {
        StringBuilder sb = new StringBuilder();
        sb.append("scenario ").append(scenario).append(": ").append(expected.size()).append(" frames expected, ")
                .append(actual.size()).append(" emitted by the replay\n");
        if (matches()) {
            return sb.append("all frames match\n").toString();
        }
        sb.append("first difference: ").append(firstDifference()).append('\n');
        if (differences.size() > 1) {
            sb.append(differences.size()).append(" frames differ: ");
            for (int i = 0; i < Math.min(differences.size(), 12); i++) {
                sb.append(i == 0 ? "" : ", ").append(differences.get(i).frame());
            }
            sb.append(differences.size() > 12 ? ", ...\n" : "\n");
        }
        int first = differences.get(0).frame();
        int from = Math.max(1, first - CONTEXT_BEFORE);
        int to = Math.min(Math.max(expected.size(), actual.size()), first + CONTEXT_AFTER);
        int column = 8;
        for (int n = from; n <= Math.min(to, expected.size()); n++) {
            column = Math.max(column, Math.min(MAX_COLUMN, line(expected.get(n - 1)).length()));
        }
        sb.append(String.format("  %5s  %-" + column + "s | %s%n", "frame", "expected", "replay"));
        if (from > 1) {
            sb.append(String.format("  %5s%n", "..."));
        }
        java.util.Set<Integer> differing = new java.util.HashSet<>();
        differences.forEach(d -> differing.add(d.frame()));
        for (int n = from; n <= to; n++) {
            String e = n <= expected.size() ? line(expected.get(n - 1)) : "(none)";
            String a = n <= actual.size() ? line(actual.get(n - 1)) : "(none)";
            boolean differs = differing.contains(n);
            sb.append(differs ? "> " : "  ").append(String.format("%5d  ", n)).append(pad(e, column))
                    .append(" | ").append(differs ? a : "same").append('\n');
        }
        if (to < Math.max(expected.size(), actual.size())) {
            sb.append(String.format("  %5s%n", "..."));
        }
        return sb.toString();
    }

    /** One frame as tcpdump prints it, with its time in seconds from the origin. */
    static String line(TimedFrame f) {
        return String.format("%.6f %s", f.timeNanos() / 1e9, FrameDecoder.decode(f.bytes()).summary());
    }

    private static String pad(String s, int column) {
        if (s.length() > column) {
            return s.substring(0, column - 1) + "~";
        }
        return s + " ".repeat(column - s.length());
    }

    private static String seconds(long nanos) {
        return String.format("%.6f", nanos / 1e9);
    }

    private static String millis(long nanos) {
        return String.format("%.3f", nanos / 1e6);
    }
}
