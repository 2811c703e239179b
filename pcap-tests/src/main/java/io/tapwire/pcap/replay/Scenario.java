package io.tapwire.pcap.replay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One recorded session, a folder of four files:
 *
 * <ul>
 *   <li>{@code input.pcap}: the frames the Linux peer sent, each stamped with the stack's clock
 *       when it processed the frame (its poll time), as wall-clock time {@code origin + t};</li>
 *   <li>{@code expected.pcap}: the frames tapwire emitted, stamped with the poll that emitted them;</li>
 *   <li>{@code config}: stack settings, seeds, apps and their timeline ({@link ScenarioConfig});</li>
 *   <li>{@code description}: one line saying what the session shows.</li>
 * </ul>
 *
 * In memory, frame times are relative to the origin, the stack's first poll (virtual time 0).
 */
public record Scenario(Path dir, String description, ScenarioConfig config, List<TimedFrame> input, List<TimedFrame> expected) {
    public static final String INPUT = "input.pcap";
    public static final String EXPECTED = "expected.pcap";
    public static final String CONFIG = "config";
    public static final String DESCRIPTION = "description";

    public Scenario {
        input = List.copyOf(input);
        expected = List.copyOf(expected);
    }

    /** The folder's name. */
    public String name() {
        return dir.getFileName().toString();
    }

    /** Reads a scenario folder. */
    public static Scenario load(Path dir) throws IOException {
        ScenarioConfig config = ScenarioConfig.read(dir.resolve(CONFIG));
        String description = Files.readString(dir.resolve(DESCRIPTION), StandardCharsets.UTF_8).strip();
        long origin = config.originEpochNanos();
        return new Scenario(dir, description, config, relative(PcapFile.read(dir.resolve(INPUT)), origin),
                relative(PcapFile.read(dir.resolve(EXPECTED)), origin));
    }

    /** Writes the four files into {@link #dir} (created if needed). */
    public void write() throws IOException {
        Files.createDirectories(dir);
        long origin = config.originEpochNanos();
        PcapFile.write(dir.resolve(INPUT), absolute(input, origin));
        PcapFile.write(dir.resolve(EXPECTED), absolute(expected, origin));
        config.write(dir.resolve(CONFIG));
        Files.writeString(dir.resolve(DESCRIPTION), description.strip() + "\n", StandardCharsets.UTF_8);
    }

    /** The scenario folders under {@code root} (those holding a {@code config}), sorted by name. */
    public static List<Path> list(Path root) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(p -> Files.isRegularFile(p.resolve(CONFIG))).sorted().forEach(out::add);
        }
        return out;
    }

    private static List<TimedFrame> relative(List<TimedFrame> frames, long origin) {
        List<TimedFrame> out = new ArrayList<>(frames.size());
        for (TimedFrame f : frames) {
            out.add(f.at(f.timeNanos() - origin));
        }
        return out;
    }

    private static List<TimedFrame> absolute(List<TimedFrame> frames, long origin) {
        List<TimedFrame> out = new ArrayList<>(frames.size());
        for (TimedFrame f : frames) {
            out.add(f.at(f.timeNanos() + origin));
        }
        return out;
    }
}
