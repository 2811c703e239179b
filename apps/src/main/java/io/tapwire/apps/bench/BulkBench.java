package io.tapwire.apps.bench;

import io.tapwire.tap.Netns;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Single-connection bulk throughput in both directions with the Linux tools {@code nc}, {@code dd}
 * and {@code curl} at 10.0.0.1, against the discard (9), byte source (19) and HTTP (80) services at
 * 10.0.0.2: tapwire's services on tapwire, the same service classes over java.net on Linux. A
 * reference row repeats each nc measurement against C servers ({@code nc -l}) on Linux, the
 * kernel's ceiling with the same client.
 */
final class BulkBench {
    private static final Pattern DD_BYTES = Pattern.compile("(\\d+) bytes");
    private static final int REF_SINK_PORT = 5009;
    private static final int REF_SOURCE_PORT = 5019;

    private final Suite s;
    private final long n;

    BulkBench(Suite s) {
        this.s = s;
        this.n = s.settings.bytes;
    }

    static String inPipeline(long bytes, int port) {
        return "head -c " + bytes + " /dev/zero | nc -N 10.0.0.2 " + port;
    }

    static String outPipeline(long bytes, int port) {
        return "{ nc 10.0.0.2 " + port + " </dev/null | dd of=/dev/null bs=65536 count=" + bytes / 65536 + " iflag=fullblock; } 2>&1";
    }

    static String curlCommand(long bytes) {
        return "curl -sS -o /dev/null -w 'size=%{size_download} time=%{time_total} code=%{http_code}\\n' http://10.0.0.2/bytes/" + bytes;
    }

    void run(Side tapwire, Side linux) {
        long w = s.settings.warmupBytes;
        s.section(String.format(Locale.ROOT, "1. Bulk throughput, one TCP connection, %d bytes (%s) per transfer, MB/s = 10^6 bytes/s", n, Suite.mb(n)),
                "Linux -> server: time (date +%s%N around it) of: " + inPipeline(n, 9),
                "                 (nc -N sends FIN at EOF and exits when the server closes after reading everything)",
                "server -> Linux: time of: " + outPipeline(n, 19),
                "                 and curl's size_download/time_total of: " + curlCommand(n),
                "servers: tapwire = its discard, byte source and HTTP services as tapwire up --io "
                        + s.settings.ioModel.name().toLowerCase(Locale.ROOT) + " runs them; Linux = "
                        + (s.settings.linuxServers.equals("native") ? "C servers (bulk.c: 'server discard 9', 'server source 19') and nginx"
                        : "the same classes on java.net (LinuxServers)") + " in the veth peer namespace",
                "reference: the same nc clients against C servers on Linux: 'nc -l -p " + REF_SINK_PORT + " </dev/null >/dev/null' and 'nc -l -p "
                        + REF_SOURCE_PORT + " </dev/zero'",
                (w > 0 ? String.format(Locale.ROOT, "warm-up: one unmeasured %s transfer per method and side first", Suite.mb(w)) : "warm-up: none")
                        + String.format(Locale.ROOT, "; bound %d s per transfer; TcpInfo (tapwire) / ss -tin (Linux) sampled mid-transfer",
                        s.settings.timeoutSeconds));
        for (Side side : List.of(tapwire, linux)) {
            try {
                if (w > 0) {
                    Suite.shell(side.client(), s.bound(), Suite.timed(inPipeline(w, 9)));
                    Suite.shell(side.client(), s.bound(), Suite.timed(outPipeline(w, 19)));
                    Suite.shell(side.client(), s.bound(), curlCommand(w));
                }
            } catch (RuntimeException e) {
                s.out.println("   " + side.name() + " warm-up failed: " + e.getMessage());
            }
        }

        s.out.println("   -- Linux -> server (nc -N to discard port 9)");
        Suite.Runs in = s.compare("bulk_in_nc", "bulk Linux->server, nc to discard", "MB/s", true,
                tapwire, () -> in(tapwire, 9), linux, () -> in(linux, 9));

        s.out.println("   -- server -> Linux (nc from byte source port 19 into dd)");
        Suite.Runs out = s.compare("bulk_out_nc", "bulk server->Linux, nc from byte source", "MB/s", true,
                tapwire, () -> out(tapwire, 19), linux, () -> out(linux, 19));

        s.out.println("   -- server -> Linux (curl GET /bytes/" + n + ")");
        s.compare("bulk_out_curl", "bulk server->Linux, curl GET /bytes/N", "MB/s", true,
                tapwire, () -> curl(tapwire), linux, () -> curl(linux));

        if (s.settings.reference) {
            s.out.println("   -- reference (one run): Linux kernel with C servers (nc -l) in the veth peer namespace, same clients");
            Netns peer = linux.veth().peer();
            // One run each: a reference for scale, not a compared figure; its ratio uses tapwire's median.
            Double rIn = s.measure(linux, "reference nc sink", () -> {
                try (NsProcess sink = NsProcess.start(peer, "nc-sink", List.of("sh", "-c", "exec nc -l -p " + REF_SINK_PORT + " </dev/null >/dev/null"))) {
                    Suite.awaitListening(peer, REF_SINK_PORT, Duration.ofSeconds(5));
                    return in(linux, REF_SINK_PORT);
                }
            });
            Double rOut = s.measure(linux, "reference nc source", () -> {
                try (NsProcess source = NsProcess.start(peer, "nc-source", List.of("sh", "-c", "exec nc -l -p " + REF_SOURCE_PORT + " </dev/zero"))) {
                    Suite.awaitListening(peer, REF_SOURCE_PORT, Duration.ofSeconds(5));
                    return out(linux, REF_SOURCE_PORT);
                }
            });
            s.report.metric("bulk_in_nc_ref", "  reference: Linux server = nc -l sink", "MB/s", in.a(), Collections.singletonList(rIn), true);
            s.report.metric("bulk_out_nc_ref", "  reference: Linux server = nc -l < /dev/zero", "MB/s", out.a(), Collections.singletonList(rOut), true);
        }
    }

    private TransferProbe probe(Side side, int port) {
        return side.isTapwire() ? TransferProbe.tapwire(side.sandbox().stack().tcp(), port) : TransferProbe.linux(side.veth().peer(), port, 200);
    }

    private static String withProbe(String line, TransferProbe probe) {
        String p = probe.stop();
        return p.isEmpty() ? line : line + "\n              " + p;
    }

    private Suite.Outcome in(Side side, int port) {
        TransferProbe probe = probe(side, port);
        String o;
        try {
            o = Suite.shell(side.client(), s.bound(), Suite.timed(inPipeline(n, port)));
        } finally {
            probe.stop();
        }
        if (Suite.exitCode(o) != 0) {
            throw new IllegalStateException("nc exited with status " + Suite.exitCode(o) + ": " + o.strip());
        }
        long ns = Suite.elapsedNanos(o);
        double mbps = n / (ns / 1e9) / 1e6;
        return new Suite.Outcome(mbps, withProbe(String.format(Locale.ROOT, "%d bytes in %.3f s = %.1f MB/s (%.2f Gbit/s)", n, ns / 1e9, mbps, mbps * 8 / 1000), probe));
    }

    private Suite.Outcome out(Side side, int port) {
        TransferProbe probe = probe(side, port);
        String o;
        try {
            o = Suite.shell(side.client(), s.bound(), Suite.timed(outPipeline(n, port)));
        } finally {
            probe.stop();
        }
        Matcher m = DD_BYTES.matcher(o);
        long got = m.find() ? Long.parseLong(m.group(1)) : -1;
        if (got != n) {
            throw new IllegalStateException("dd copied " + got + " of " + n + " bytes: " + o.strip());
        }
        long ns = Suite.elapsedNanos(o);
        double mbps = n / (ns / 1e9) / 1e6;
        return new Suite.Outcome(mbps, withProbe(String.format(Locale.ROOT, "%d bytes in %.3f s = %.1f MB/s (%.2f Gbit/s)", n, ns / 1e9, mbps, mbps * 8 / 1000), probe));
    }

    private Suite.Outcome curl(Side side) {
        TransferProbe probe = probe(side, 80);
        String o;
        try {
            o = Suite.shell(side.client(), s.bound(), curlCommand(n));
        } finally {
            probe.stop();
        }
        Map<String, String> kv = Cli.keyValues(o.lines().filter(l -> l.startsWith("size=")).findFirst().orElse(""));
        if (!"200".equals(kv.get("code")) || !String.valueOf(n).equals(kv.get("size"))) {
            throw new IllegalStateException("curl got " + kv.getOrDefault("size", "?") + " of " + n + " bytes, HTTP "
                    + kv.getOrDefault("code", "?") + ": " + o.strip());
        }
        double sec = Double.parseDouble(kv.get("time"));
        double mbps = n / sec / 1e6;
        return new Suite.Outcome(mbps, withProbe(String.format(Locale.ROOT, "%d bytes in %.3f s = %.1f MB/s (%.2f Gbit/s)", n, sec, mbps, mbps * 8 / 1000), probe));
    }
}
