package io.tapwire.apps.bench;

import io.tapwire.apps.Sandbox;
import io.tapwire.apps.Tools;
import io.tapwire.apps.VethPair;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.tap.Netns;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tapwire bench link}: what the link costs, tapwire next to the Linux kernel in one run.
 * Bulk TCP both ways with the same C client against tapwire's discard and byte-source services
 * (with and without TAP offloads) and against a C sink and source on Linux over a veth pair; ping
 * round trips against tapwire (default and with a long busy-poll budget) and against Linux. Ratios
 * tapwire/Linux of medians; JSON and an HTML page of charts.
 */
@Command(name = "link",
        mixinStandardHelpOptions = true,
        description = {
            "Link speed next to the Linux kernel in one run: bulk TCP both ways and ping latency.",
            "",
            "Bulk: the C client 'bulk' (apps/src/main/c/bulk.c, built with gcc) sends to discard (9) and receives from the",
            "byte source (19) of tapwire behind its TAP, with offloads (TSO/GSO through the virtio-net header), with",
            "--no-offload, and with --tap-tx write (a write(2) per TX frame instead of io_uring batches); the Linux",
            "column runs the same client against 'bulk server discard|source' in the peer namespace of a veth pair,",
            "and iperf3 (-c, and -R) against 'iperf3 -s' there as a second kernel reference. When go and",
            "Debian's golang-gvisor-gvisor-dev are installed (scripts/install-deps.sh --gvisor), gVisor's netstack serves",
            "the same client too (apps/src/main/go/gvbulk.go, built at run time): on an AF_PACKET socket with host GSO on a",
            "veth, as runsc attaches it (this gVisor has no GSO on a TAP).",
            "Ping: 'ping -i 0.001' p50/p99 against tapwire (default busy poll, and --busy-poll 2000) and Linux over veth.",
            "",
            "Everything runs in private network namespaces (10.0.0.1 -> 10.0.0.2), deleted afterwards. Needs root."
        })
public final class LinkBenchCommand implements Callable<Integer> {
    /** The row of gVisor's netstack (see {@link GvisorBulkServer}). */
    static final String GVISOR = "gVisor (veth, GSO)";
    /** The row of tapwire with one write(2) per TX frame instead of its default io_uring batches. */
    static final String WRITE_TX = "tapwire --tap-tx write";
    private static final Pattern BULK = Pattern.compile("bytes=(\\d+) seconds=([0-9.]+)");
    private static final Pattern PING_TIME = Pattern.compile("time=([0-9.]+) ms");
    private static final Pattern IPERF_BPS = Pattern.compile("\"bits_per_second\":\\s*([0-9.eE+]+)");

    @Option(names = "--bytes", defaultValue = "2147483648", description = "Bytes per bulk transfer (default: ${DEFAULT-VALUE}, 2 GiB).")
    long bytes;

    @Option(names = "--repeat", defaultValue = "3", description = "Runs per bulk measurement, alternating the sides; medians (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--pings", defaultValue = "2000", description = "Echo requests per ping run, 1 ms apart (default: ${DEFAULT-VALUE}).")
    int pings;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the results as JSON to FILE (and FILE with .html: charts).")
    Path out;

    @Option(names = "--queues", defaultValue = "1", paramLabel = "N",
            description = "Run the tapwire sides on a TAP with N queues and a stack shard per queue, as tapwire up --queues "
                    + "(default: ${DEFAULT-VALUE}; one bulk connection still uses one shard).")
    int queues;

    @Override
    public Integer call() throws Exception {
        PrintStream o = System.out;
        List<String> missing = Tools.missing("ping", "iperf3", "gcc");
        if (!missing.isEmpty()) {
            System.err.println("tapwire bench link: missing " + String.join(", ", missing) + " (scripts/install-deps.sh installs them)");
            return 2;
        }
        if (bytes < 1 << 20 || repeat < 1 || pings < 10 || queues < 1 || queues > io.tapwire.tap.TapDevice.MAX_QUEUES) {
            System.err.println("tapwire bench link: --bytes >= 1 MiB, --repeat >= 1, --pings >= 10 and --queues 1..256");
            return 2;
        }
        LinkResults results = new LinkResults(bytes, repeat, pings);
        java.util.Optional<String> noGvisor = GvisorBulkServer.cannotRun();
        if (noGvisor.isPresent()) {
            o.println("bulk: no gVisor row: " + noGvisor.get());
        }
        try (CServers c = CServers.create();
             GvisorBulkServer gvisor = noGvisor.isEmpty() ? GvisorBulkServer.start() : null) {
            String bulk = c.build("bulk").toString();
            try (VethPair veth = VethPair.create();
                 Sandbox offload = Sandbox.start(services().offloads(true));
                 Sandbox plain = Sandbox.start(services().offloads(false));
                 Sandbox written = Sandbox.start(services().offloads(true).txIoUring(false));
                 Sandbox busy = Sandbox.start(new Sandbox.Options().offloads(true).busyPollNanos(2_000_000).queues(queues))) {
                veth.peer().spawn(bulk, "server", "discard", "9");
                veth.peer().spawn(bulk, "server", "source", "19");
                veth.peer().spawn("iperf3", "-s", "-p", "5201");
                Thread.sleep(500);
                Map<String, Netns> clients = new LinkedHashMap<>();
                clients.put("tapwire", offload.netns());
                clients.put("tapwire --no-offload", plain.netns());
                clients.put(WRITE_TX, written.netns());
                clients.put("Linux (veth, C server)", veth.host());
                if (gvisor != null) {
                    clients.put(GVISOR, gvisor.client());
                }
                // Warm-up: one unmeasured transfer each way per side, so the JIT has compiled the
                // stack's hot path before anything is timed (the first transfer is several times slower).
                for (Netns client : clients.values()) {
                    gbps(client, bulk + " client send 10.0.0.2 9 " + Math.min(bytes, 1L << 30));
                    gbps(client, bulk + " client recv 10.0.0.2 19 " + Math.min(bytes, 1L << 30));
                }
                o.printf(Locale.ROOT, "bulk TCP, one connection, %d bytes per transfer, %d runs each, alternating, after a warm-up%n", bytes, repeat);
                for (int r = 0; r < repeat; r++) {
                    for (Map.Entry<String, Netns> e : clients.entrySet()) {
                        double in = gbps(e.getValue(), bulk + " client send 10.0.0.2 9 " + bytes);
                        double outRate = gbps(e.getValue(), bulk + " client recv 10.0.0.2 19 " + bytes);
                        results.bulk(e.getKey(), in, outRate);
                        o.printf(Locale.ROOT, "  run %d %-24s in %7.2f Gbit/s   out %7.2f Gbit/s%n", r + 1, e.getKey(), in, outRate);
                    }
                    double ipIn = iperf(veth.host(), false);
                    double ipOut = iperf(veth.host(), true);
                    results.bulk("Linux (veth, iperf3)", ipIn, ipOut);
                    o.printf(Locale.ROOT, "  run %d %-24s in %7.2f Gbit/s   out %7.2f Gbit/s%n", r + 1, "Linux (veth, iperf3)", ipIn, ipOut);
                }
                o.printf(Locale.ROOT, "ping, %d requests 1 ms apart (ms)%n", pings);
                Map<String, Netns> pingers = new LinkedHashMap<>();
                pingers.put("tapwire", offload.netns());
                pingers.put("tapwire --busy-poll 2000", busy.netns());
                pingers.put("Linux (veth)", veth.host());
                for (Map.Entry<String, Netns> e : pingers.entrySet()) {
                    double[] p = ping(e.getValue());
                    results.ping(e.getKey(), p[0], p[1]);
                    o.printf(Locale.ROOT, "  %-26s p50 %.3f  p99 %.3f%n", e.getKey(), p[0], p[1]);
                }
            }
        }
        o.println();
        o.print(results.table());
        if (out != null) {
            results.writeJson(out);
            Path html = Path.of(out.toString().replaceAll("\\.json$", "") + ".html");
            results.writeHtml(html);
            o.println("wrote " + out + " and " + html);
        }
        return 0;
    }

    private Sandbox.Options services() {
        return new Sandbox.Options().tcpServices(TcpServices.Selection.all()).io(TcpServices.IoModel.URING).queues(queues);
    }

    private double gbps(Netns ns, String command) {
        Netns.Result r = ns.exec(Duration.ofSeconds(120), "sh", "-c", command);
        Matcher m = BULK.matcher(r.stdout());
        if (r.exitCode() != 0 || !m.find()) {
            throw new IllegalStateException("'" + command + "' failed (exit " + r.exitCode() + "): " + r.stdout() + r.stderr());
        }
        return Long.parseLong(m.group(1)) * 8 / Double.parseDouble(m.group(2)) / 1e9;
    }

    /** iperf3 against the veth peer for as long as the bulk transfer would take at ~10 Gbit/s, at least 3 s. */
    private double iperf(Netns client, boolean reverse) {
        List<String> cmd = new ArrayList<>(List.of("iperf3", "-c", "10.0.0.2", "-p", "5201", "-J", "-n", Long.toString(bytes)));
        if (reverse) {
            cmd.add("-R");
        }
        Netns.Result r = client.exec(Duration.ofSeconds(120), cmd.toArray(String[]::new));
        // The receiver's figure: the last bits_per_second in the JSON is end.sum_received.
        Matcher m = IPERF_BPS.matcher(r.stdout());
        double last = -1;
        while (m.find()) {
            last = Double.parseDouble(m.group(1));
        }
        if (r.exitCode() != 0 || last < 0) {
            throw new IllegalStateException("iperf3 failed (exit " + r.exitCode() + "): " + r.stderr());
        }
        return last / 1e9;
    }

    /**
     * p50 and p99 of {@link #pings} round trips, in ms, after 20,000 unmeasured ones 0.2 ms apart
     * for every pinger alike: 200 left tapwire's reply path to the JIT's first tiers (measured: p50
     * 0.013 ms after 200, 0.011 after 20,000, and a p90 of 0.021 against 0.013).
     */
    private double[] ping(Netns ns) {
        ns.exec(Duration.ofSeconds(60), "ping", "-q", "-c", "20000", "-i", "0.0002", "10.0.0.2");
        Netns.Result r = ns.exec(Duration.ofSeconds(120), "ping", "-n", "-c", Integer.toString(pings), "-i", "0.001", "10.0.0.2");
        List<Double> times = new ArrayList<>();
        Matcher m = PING_TIME.matcher(r.stdout());
        while (m.find()) {
            times.add(Double.parseDouble(m.group(1)));
        }
        if (times.size() < pings / 2) {
            throw new IllegalStateException("ping answered " + times.size() + " of " + pings + ": " + r.stderr());
        }
        times.sort(null);
        return new double[] {times.get(times.size() / 2), times.get((int) Math.min(times.size() - 1, Math.round(times.size() * 0.99)))};
    }
}
