package io.tapwire.apps.iperf;


import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A client's report in the shape of iperf3's {@code -J} output: {@code start} (what was asked),
 * {@code end.streams} (each stream's sender and receiver side, one of them from the server's
 * results), {@code end.sum_sent} and {@code end.sum_received} (with {@code _bidir_reverse} twins
 * for {@code --bidir}), and for UDP {@code end.sum} with jitter and loss.
 */
public final class IperfReport {
    private final Map<String, Object> json;

    private IperfReport(Map<String, Object> json) {
        this.json = json;
    }

    /** The report as iperf3's -J JSON tree. */
    public Map<String, Object> json() {
        return json;
    }

    @SuppressWarnings("unchecked")
    static IperfReport build(IperfParams p, List<IperfStream> streams, Map<String, Object> serverResults, double seconds,
                             String server, int port) {
        Map<Long, Map<String, Object>> remote = new LinkedHashMap<>();
        if (serverResults != null && serverResults.get("streams") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m) {
                    Map<String, Object> sm = (Map<String, Object>) m;
                    remote.put(Json.num(sm, "id"), sm);
                }
            }
        }
        Map<String, Object> start = new LinkedHashMap<>();
        start.put("connecting_to", Map.of("host", server, "port", port));
        Map<String, Object> testStart = new LinkedHashMap<>();
        testStart.put("protocol", p.udp() ? "UDP" : "TCP");
        testStart.put("num_streams", p.parallel());
        testStart.put("blksize", p.len());
        testStart.put("duration", p.time());
        testStart.put("bytes", p.bytes());
        testStart.put("blocks", p.blocks());
        testStart.put("reverse", p.reverse() ? 1 : 0);
        testStart.put("bidir", p.bidirectional() ? 1 : 0);
        testStart.put("target_bitrate", p.rate());
        start.put("test_start", testStart);

        List<Object> endStreams = new ArrayList<>();
        long[] fwd = new long[4];   // sent bytes, received bytes, sent retransmits, (unused)
        long[] rev = new long[4];
        double jitterSum = 0;
        long lost = 0;
        long packets = 0;
        int udpReceivers = 0;
        for (IperfStream s : streams) {
            Map<String, Object> r = remote.getOrDefault((long) s.id, Map.of());
            Map<String, Object> sender = new LinkedHashMap<>();
            Map<String, Object> receiver = new LinkedHashMap<>();
            long sentBytes = s.sender ? s.bytes() : Json.num(r, "bytes");
            long receivedBytes = s.sender ? Json.num(r, "bytes") : s.bytes();
            long retrans = s.sender ? (s.tcp == null ? 0 : s.retransmits()) : Json.num(r, "retransmits");
            fill(sender, s.id, sentBytes, seconds, true);
            fill(receiver, s.id, receivedBytes, seconds, false);
            if (!p.udp()) {
                sender.put("retransmits", retrans);
            } else {
                long pk = s.sender ? s.packets.get() : Json.num(r, "packets");
                long errors = s.sender ? Json.num(r, "errors") : s.udpStats.errors;
                double jitter = s.sender ? Json.real(r, "jitter") : s.udpStats.jitter;
                receiver.put("jitter_ms", jitter * 1000);
                receiver.put("lost_packets", errors);
                receiver.put("packets", pk);
                receiver.put("lost_percent", pk == 0 ? 0.0 : 100.0 * errors / pk);
                jitterSum += jitter;
                lost += errors;
                packets += pk;
                udpReceivers++;
            }
            // With --bidir the client's sending streams are the forward direction, its receiving ones the reverse.
            boolean forward = !p.bidirectional() || s.sender;
            long[] acc = forward ? fwd : rev;
            acc[0] += sentBytes;
            acc[1] += receivedBytes;
            acc[2] += retrans;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("sender", sender);
            entry.put("receiver", receiver);
            endStreams.add(entry);
        }
        Map<String, Object> end = new LinkedHashMap<>();
        end.put("streams", endStreams);
        end.put("sum_sent", sum(fwd[0], seconds, true, p.udp() ? -1 : fwd[2]));
        end.put("sum_received", sum(fwd[1], seconds, false, -1));
        if (p.bidirectional()) {
            end.put("sum_sent_bidir_reverse", sum(rev[0], seconds, true, p.udp() ? -1 : rev[2]));
            end.put("sum_received_bidir_reverse", sum(rev[1], seconds, false, -1));
        }
        if (p.udp()) {
            Map<String, Object> sum = sum(fwd[0] + rev[0], seconds, true, -1);
            sum.put("jitter_ms", udpReceivers == 0 ? 0.0 : jitterSum / udpReceivers * 1000);
            sum.put("lost_packets", lost);
            sum.put("packets", packets);
            sum.put("lost_percent", packets == 0 ? 0.0 : 100.0 * lost / packets);
            end.put("sum", sum);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("start", start);
        root.put("end", end);
        return new IperfReport(root);
    }

    private static void fill(Map<String, Object> m, int id, long bytes, double seconds, boolean sender) {
        m.put("socket", id);
        m.put("start", 0);
        m.put("end", seconds);
        m.put("seconds", seconds);
        m.put("bytes", bytes);
        m.put("bits_per_second", seconds <= 0 ? 0.0 : bytes * 8 / seconds);
        m.put("sender", sender);
    }

    private static Map<String, Object> sum(long bytes, double seconds, boolean sender, long retransmits) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("start", 0);
        m.put("end", seconds);
        m.put("seconds", seconds);
        m.put("bytes", bytes);
        m.put("bits_per_second", seconds <= 0 ? 0.0 : bytes * 8 / seconds);
        if (retransmits >= 0) {
            m.put("retransmits", retransmits);
        }
        m.put("sender", sender);
        return m;
    }

    /** iperf3's closing summary lines, in its units (MBytes, Mbits/sec). */
    @SuppressWarnings("unchecked")
    public String text() {
        StringBuilder sb = new StringBuilder();
        Map<String, Object> end = (Map<String, Object>) json.get("end");
        sb.append("- - - - - - - - - - - - - - - - - - - - - - - - -\n");
        sb.append("[ ID] Interval           Transfer     Bitrate\n");
        for (String key : List.of("sum_sent", "sum_received", "sum_sent_bidir_reverse", "sum_received_bidir_reverse")) {
            Object o = end.get(key);
            if (o instanceof Map<?, ?> m) {
                Map<String, Object> s = (Map<String, Object>) m;
                sb.append(String.format(Locale.ROOT, "[SUM]   0.00-%-6.2f sec  %7.2f MBytes  %7.1f Mbits/sec  %s%s%n",
                        Json.real(s, "seconds"), Json.num(s, "bytes") / 1048576.0, Json.real(s, "bits_per_second") / 1e6,
                        key.startsWith("sum_sent") ? "sender" : "receiver", key.endsWith("reverse") ? " (reverse)" : ""));
            }
        }
        if (end.get("sum") instanceof Map<?, ?> m) {
            Map<String, Object> s = (Map<String, Object>) m;
            sb.append(String.format(Locale.ROOT, "UDP: jitter %.3f ms, lost %d of %d datagrams (%.2g%%)%n", Json.real(s, "jitter_ms"),
                    Json.num(s, "lost_packets"), Json.num(s, "packets"), Json.real(s, "lost_percent")));
        }
        return sb.toString();
    }
}
