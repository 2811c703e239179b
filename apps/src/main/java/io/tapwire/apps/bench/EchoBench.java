package io.tapwire.apps.bench;

import io.tapwire.tap.Netns;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Echo round trips per second: {@link EchoLoadClient} in the client namespace against the TCP echo
 * service, tapwire's {@code EchoService} on tapwire or the same class over java.net on Linux.
 */
final class EchoBench {
    private final Suite s;

    EchoBench(Suite s) {
        this.s = s;
    }

    List<String> clientCommand(int connections) {
        TcpBenchCommand c = s.settings;
        return NsProcess.java(Suite.clientJvm(), EchoLoadClient.class, "--host", "10.0.0.2", "--port", "7",
                "--connections", Integer.toString(connections), "--size", Integer.toString(c.echoSize),
                "--seconds", Double.toString(c.echoSeconds), "--warmup", Double.toString(c.echoWarmup));
    }

    void run(Side tapwire, Side linux) {
        TcpBenchCommand c = s.settings;
        s.section(String.format(Locale.ROOT, "2. Echo round trips per second, %d-byte request and reply, %s s measured after %s s warm-up",
                        c.echoSize, trim(c.echoSeconds), trim(c.echoWarmup)),
                "client (in the client namespace, one thread and one java.net connection each, TCP_NODELAY, closed loop):",
                "  ip netns exec NS " + String.join(" ", clientCommand(c.echoConnections)).replace(NsProcess.Path.classPath(), "tapwire.jar"),
                "servers: tapwire = its echo service as tapwire up --io " + c.ioModel.name().toLowerCase(Locale.ROOT) + " runs it; Linux = "
                        + (c.linuxServers.equals("native") ? "the C epoll echo server (epoll_echo.c)" : "the same EchoService on java.net (LinuxServers)"),
                "         in the veth peer namespace; each reply is checked",
                "qps = completed round trips / measured seconds; latency = one write + read of the reply, per round trip");
        List<Integer> counts = new ArrayList<>(List.of(c.echoConnections));
        if (c.echoConnections != 1) {
            counts.add(1);
        }
        for (int conns : counts) {
            s.out.println("   -- " + conns + " connection" + (conns == 1 ? "" : "s"));
            List<Map<String, String>> tRes = new ArrayList<>();
            List<Map<String, String>> lRes = new ArrayList<>();
            s.compare("echo_qps_c" + conns, "echo " + c.echoSize + " B round trips, " + conns + " conn" + (conns == 1 ? "" : "s"),
                    "req/s", true, tapwire, () -> echo(tapwire.client(), conns, tRes), linux, () -> echo(linux.client(), conns, lRes));
            if (conns == 1) {
                s.report.metric("echo_p50_c1", "echo " + c.echoSize + " B round trip p50, 1 conn", "us",
                        values(tRes, "p50_us"), values(lRes, "p50_us"), false);
            }
            for (String k : List.of("p50_us", "p99_us", "max_us")) {
                s.report.detail("echo_c" + conns + ".tapwire." + k + "_median", fmt(Report.median(values(tRes, k))));
                s.report.detail("echo_c" + conns + ".linux." + k + "_median", fmt(Report.median(values(lRes, k))));
            }
        }
    }

    private static List<Double> values(List<Map<String, String>> results, String key) {
        List<Double> v = new ArrayList<>();
        for (Map<String, String> r : results) {
            if (r.get(key) != null) {
                v.add(Double.valueOf(r.get(key)));
            }
        }
        return v;
    }

    private static String fmt(Double d) {
        return d == null ? "" : String.format(Locale.ROOT, "%.1f", d);
    }

    private Suite.Outcome echo(Netns client, int conns, List<Map<String, String>> results) {
        TcpBenchCommand c = s.settings;
        Duration bound = Duration.ofSeconds((long) (c.echoSeconds + c.echoWarmup) + 45);
        List<String> cmd = clientCommand(conns);
        Netns.Result r = client.exec(bound, cmd.toArray(new String[0]));
        String all = r.stdout() + r.stderr();
        String line = all.lines().filter(l -> l.startsWith("result ")).findFirst()
                .orElseThrow(() -> new IllegalStateException("EchoLoadClient exited " + r.exitCode() + " without a result: " + all.strip()));
        Map<String, String> kv = Cli.keyValues(line);
        results.add(kv);
        long errors = Long.parseLong(kv.get("errors"));
        long mismatches = Long.parseLong(kv.get("mismatches"));
        String error = all.lines().filter(l -> l.startsWith("error ")).findFirst().orElse("");
        if (errors > 0 || mismatches > 0) {
            s.report.error("echo " + conns + " conns against " + client.name() + ": " + errors + " connection errors, " + mismatches
                    + " wrong replies " + error);
        }
        double qps = Double.parseDouble(kv.get("qps"));
        return new Suite.Outcome(qps, String.format(Locale.ROOT, "%s round trips in %s s = %.0f/s, latency p50 %s us, p99 %s us, max %s us%s%s",
                kv.get("round_trips"), kv.get("seconds"), qps, kv.get("p50_us"), kv.get("p99_us"), kv.get("max_us"),
                errors + mismatches > 0 ? ", errors " + errors + ", mismatches " + mismatches : "", error.isEmpty() ? "" : " (" + error + ")"));
    }

    static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
