package io.tapwire.pcap.replay;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An independent look at a capture: tshark decodes it with IPv4, TCP and UDP checksum validation
 * on (ICMP checksums are always validated) and its TCP sequence analysis on, and lists every
 * expert info. The result names each frame whose checksum is not good, and every expert info of
 * severity warning or error with the frames that carry it. Notes and chats ("Connection
 * establish request", "Duplicate ACK", "TCP window update") are informational and not reported.
 */
final class TsharkCheck {
    /** Wireshark's PI_WARN; PI_ERROR is 0x00800000, notes and chats are lower. */
    static final long SEVERITY_WARN = 0x00600000L;
    /** Separates the occurrences of one field in tshark's output; expert messages may hold commas. */
    private static final char AGGREGATOR = '\u001f';
    /** The checksum status fields, in the order of {@link #FIELDS} after frame.number. */
    private static final List<String> CHECKSUMS = List.of("ip", "tcp", "udp", "icmp");
    private static final List<String> FIELDS = List.of("frame.number", "ip.checksum.status", "tcp.checksum.status",
            "udp.checksum.status", "icmp.checksum.status", "_ws.expert.severity", "_ws.expert.message");
    /** Wireshark's checksum status values (epan/proto.h: PROTO_CHECKSUM_E_*). */
    private static final String GOOD = "1";
    private static final String NOT_PRESENT = "3";

    private TsharkCheck() {
    }

    /** One frame of a merged capture and where it came from ("input #3", "expected #7"). */
    record Labelled(TimedFrame frame, String origin) {
    }

    /**
     * What tshark found.
     *
     * @param frames        frames decoded
     * @param goodChecksums per protocol (ip, tcp, udp, icmp), how many checksums tshark verified as good
     * @param badChecksums  one line per checksum that is not good
     * @param warnings      per expert message of severity warning or above, the frames (1-based) showing it
     */
    record Result(int frames, Map<String, Integer> goodChecksums, List<String> badChecksums, Map<String, List<Integer>> warnings) {
        String summary() {
            StringBuilder b = new StringBuilder();
            b.append(frames).append(" frames, good checksums ").append(goodChecksums);
            if (!badChecksums.isEmpty()) {
                b.append(", ").append(badChecksums.size()).append(" not good");
            }
            warnings.forEach((m, f) -> b.append("\n  warning x").append(f.size()).append(": ").append(m));
            return b.toString();
        }
    }

    /**
     * Both directions of a scenario as one capture, in time order. Input and expected frames are
     * stamped with the stack poll that read or emitted them; at equal times the input goes first,
     * because a poll reads its frames before the stack's answers to them leave. (A poll that emits
     * between two frames it reads, or a timer's frame sent before the frames of its poll are read,
     * cannot be told apart in the recording; such frames show up after the input of their poll.)
     */
    static List<Labelled> merge(List<TimedFrame> input, List<TimedFrame> expected) {
        List<Labelled> out = new ArrayList<>(input.size() + expected.size());
        int i = 0;
        int e = 0;
        while (i < input.size() || e < expected.size()) {
            boolean takeInput = e == expected.size()
                    || (i < input.size() && input.get(i).timeNanos() <= expected.get(e).timeNanos());
            if (takeInput) {
                out.add(new Labelled(input.get(i), Scenario.INPUT + " #" + (i + 1)));
                i++;
            } else {
                out.add(new Labelled(expected.get(e), Scenario.EXPECTED + " #" + (e + 1)));
                e++;
            }
        }
        return out;
    }

    /** Writes {@code frames} (times relative to {@code originEpochNanos}) as a pcap file. */
    static void write(Path file, List<Labelled> frames, long originEpochNanos) throws IOException {
        List<TimedFrame> absolute = new ArrayList<>(frames.size());
        for (Labelled l : frames) {
            absolute.add(l.frame().at(l.frame().timeNanos() + originEpochNanos));
        }
        PcapFile.write(file, absolute);
    }

    /** Runs tshark on {@code pcap}; {@code origins}, if not null, names frame N by its source in the report. */
    static Result check(Path tshark, Path pcap, List<String> origins) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("-n", "-r", pcap.toString(),
                "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                "-o", "tcp.analyze_sequence_numbers:TRUE",
                "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=" + AGGREGATOR));
        for (String f : FIELDS) {
            args.add("-e");
            args.add(f);
        }
        return parse(Tshark.run(tshark, args), origins);
    }

    /** Reads tshark's {@code -T fields} output of {@link #FIELDS}. */
    static Result parse(String output, List<String> origins) {
        int frames = 0;
        Map<String, Integer> good = new TreeMap<>();
        List<String> bad = new ArrayList<>();
        Map<String, List<Integer>> warnings = new TreeMap<>();
        for (String line : output.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] col = line.split("\t", -1);
            if (col.length != FIELDS.size()) {
                throw new AssertionError("tshark printed " + col.length + " fields, expected " + FIELDS.size() + ": " + line);
            }
            frames++;
            int number = Integer.parseInt(col[0]);
            String where = "frame " + number + (origins != null && number <= origins.size() ? " (" + origins.get(number - 1) + ")" : "");
            for (int c = 0; c < CHECKSUMS.size(); c++) {
                String protocol = CHECKSUMS.get(c);
                for (String status : values(col[c + 1])) {
                    if (status.equals(GOOD)) {
                        good.merge(protocol, 1, Integer::sum);
                    } else if (!(protocol.equals("udp") && status.equals(NOT_PRESENT))) {
                        // A zero UDP checksum means "none" in IPv4 (RFC 768); anything else not good is a finding,
                        // including "unverified", which would mean the validation did not run.
                        bad.add(where + ": " + protocol + ".checksum.status " + status + " (" + statusName(status) + ")");
                    }
                }
            }
            List<String> severities = values(col[5]);
            List<String> messages = values(col[6]);
            if (severities.size() != messages.size()) {
                throw new AssertionError("tshark gave " + severities.size() + " severities for " + messages.size() + " expert messages: " + line);
            }
            for (int k = 0; k < severities.size(); k++) {
                if (Long.parseLong(severities.get(k)) >= SEVERITY_WARN) {
                    warnings.computeIfAbsent(messages.get(k), m -> new ArrayList<>()).add(number);
                }
            }
        }
        return new Result(frames, good, bad, warnings);
    }

    private static List<String> values(String column) {
        if (column.isEmpty()) {
            return List.of();
        }
        return List.of(column.split(String.valueOf(AGGREGATOR), -1));
    }

    private static String statusName(String status) {
        return switch (status) {
            case "0" -> "bad";
            case GOOD -> "good";
            case "2" -> "unverified";
            case NOT_PRESENT -> "not present";
            case "4" -> "illegal";
            default -> "unknown";
        };
    }
}
