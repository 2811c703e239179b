package io.tapwire.apps.iperf;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The test parameters the client sends in PARAM_EXCHANGE (iperf_api.c send_parameters): protocol,
 * direction, streams, duration or byte/block count, block length, UDP rate.
 *
 * @param time test duration in seconds (0 when a byte or block count ends the test)
 * @param bytes total bytes to send, all streams together ({@code -n}; 0: none)
 * @param blocks total blocks to send ({@code -k}; 0: none)
 * @param len block length ({@code -l}): bytes per write, or per datagram with UDP
 * @param rate target rate per stream in bit/s ({@code -b}; 0: unlimited)
 */
record IperfParams(boolean udp, boolean reverse, boolean bidirectional, int parallel, long time, long bytes, long blocks,
                   int len, long rate, boolean udpCounters64, long omit, String congestion, boolean getServerOutput) {
    /** iperf3's default block lengths: 128 KiB for TCP, 1460 bytes for UDP. */
    static final int DEFAULT_TCP_LEN = 128 * 1024;
    static final int DEFAULT_UDP_LEN = 1460;

    static IperfParams fromJson(Map<String, Object> j) {
        boolean udp = Json.flag(j, "udp");
        int len = (int) Json.num(j, "len");
        if (len <= 0) {
            len = udp ? DEFAULT_UDP_LEN : DEFAULT_TCP_LEN;
        }
        Object cc = j.get("congestion");
        return new IperfParams(udp, Json.flag(j, "reverse"), Json.flag(j, "bidirectional"),
                (int) Math.max(1, Json.num(j, "parallel")), Json.num(j, "time"), Json.num(j, "num"), Json.num(j, "blockcount"),
                len, Json.num(j, "bandwidth"), Json.flag(j, "udp_counters_64bit"), Json.num(j, "omit"),
                cc instanceof String s ? s : null, Json.flag(j, "get_server_output"));
    }

    /** The JSON a client sends, with the fields stock iperf3 3.x reads. */
    Map<String, Object> toJson(String clientVersion) {
        Map<String, Object> j = new LinkedHashMap<>();
        if (udp) {
            j.put("udp", true);
        } else {
            j.put("tcp", true);
        }
        j.put("omit", omit);
        j.put("time", time);
        j.put("num", bytes);
        j.put("blockcount", blocks);
        j.put("parallel", parallel);
        if (reverse) {
            j.put("reverse", true);
        }
        if (bidirectional) {
            j.put("bidirectional", true);
        }
        j.put("len", len);
        if (rate > 0 || udp) {
            j.put("bandwidth", rate);
        }
        j.put("pacing_timer", 1000);
        if (udpCounters64) {
            j.put("udp_counters_64bit", 1);
        }
        j.put("client_version", clientVersion);
        return j;
    }

    /** Streams on which the server receives: all of them normally, none with -R, half with --bidir. */
    int serverReceives() {
        return bidirectional ? parallel : (reverse ? 0 : parallel);
    }

    int serverSends() {
        return bidirectional ? parallel : (reverse ? parallel : 0);
    }
}
