package io.tapwire.apps;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What iputils {@code ping} printed: the summary line ("20 packets transmitted, 20 received")
 * and the round-trip time of each reply ({@code time=0.052 ms}).
 *
 * @param transmitted echo requests sent
 * @param received echo replies received
 * @param rttMillis the round-trip time of each reply, in the order they arrived
 */
public record PingOutput(int transmitted, int received, List<Double> rttMillis) {
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) packets transmitted, (\\d+) (?:packets )?received");
    private static final Pattern TIME = Pattern.compile("\\btime=([0-9.]+) ms");

    /**
     * Parses ping's standard output.
     *
     * @throws IllegalArgumentException when there is no summary line (ping did not finish)
     */
    public static PingOutput parse(String stdout) {
        Matcher m = SUMMARY.matcher(stdout);
        if (!m.find()) {
            throw new IllegalArgumentException("no 'packets transmitted' summary in ping output:\n" + stdout);
        }
        int transmitted = Integer.parseInt(m.group(1));
        int received = Integer.parseInt(m.group(2));
        List<Double> times = new ArrayList<>();
        Matcher t = TIME.matcher(stdout);
        while (t.find()) {
            times.add(Double.parseDouble(t.group(1)));
        }
        return new PingOutput(transmitted, received, Collections.unmodifiableList(times));
    }

    /** Requests that got no reply. */
    public int lost() {
        return transmitted - received;
    }
}
