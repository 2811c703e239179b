package io.tapwire.apps.bench;

import io.tapwire.tap.Netns;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP requests per second with ApacheBench, a new connection per request (connection setup and
 * teardown dominate) and with keep-alive, against tapwire's HTTP service on tapwire and nginx (one
 * worker) on Linux, or with {@code --linux-servers java} tapwire's {@code HttpServer} over java.net.
 */
final class ConnectBench {
    private final Suite s;

    ConnectBench(Suite s) {
        this.s = s;
    }

    List<String> abCommand(boolean keepAlive, int requests) {
        List<String> cmd = new ArrayList<>(List.of("ab", "-q", "-s", "10"));
        if (keepAlive) {
            cmd.add("-k");
        }
        cmd.addAll(List.of("-n", Integer.toString(requests), "-c", Integer.toString(s.settings.abConcurrency),
                "http://10.0.0.2" + s.settings.abPath));
        return cmd;
    }

    void run(Side tapwire, Side linux) {
        TcpBenchCommand c = s.settings;
        s.section("3. HTTP requests per second with ApacheBench (new TCP connection per request, and keep-alive)",
                "new connections: " + String.join(" ", abCommand(false, c.abRequests)),
                "keep-alive:      " + String.join(" ", abCommand(true, c.abKeepAliveRequests)),
                "servers: tapwire = its HTTP service as tapwire up --io " + c.ioModel.name().toLowerCase(java.util.Locale.ROOT) + " runs it; Linux = "
                        + (c.linuxServers.equals("native") ? NginxServer.description() : "the same HttpServer class on java.net (io.tapwire.apps.bench.LinuxServers)"),
                "         in the veth peer namespace",
                "warm-up: " + String.join(" ", abCommand(false, c.abWarmup)) + " and the same with -k, unmeasured, per side");
        for (Side side : List.of(tapwire, linux)) {
            if (c.abWarmup > 0) {
                try {
                    side.client().exec(s.bound(), abCommand(false, c.abWarmup).toArray(new String[0]));
                    side.client().exec(s.bound(), abCommand(true, c.abWarmup).toArray(new String[0]));
                } catch (RuntimeException e) {
                    s.out.println("   " + side.name() + " warm-up failed: " + e.getMessage());
                }
            }
        }
        s.out.println("   -- new connection per request (no -k), " + c.abRequests + " requests");
        s.compare("http_new_conn_rps", "HTTP GET " + c.abPath + ", new conn each (ab -c " + c.abConcurrency + ")", "req/s", true,
                tapwire, () -> ab(tapwire.client(), false, c.abRequests), linux, () -> ab(linux.client(), false, c.abRequests));
        if (tapwire.isTapwire()) {
            long tw = tapwire.sandbox().stack().tcp().connections().stream().filter(e -> e.info().state().name().equals("TIME_WAIT")).count();
            s.out.println("   tapwire  connections in TIME_WAIT now: " + tw + " (where the server closed first; TIME_WAIT lasts 60 s)");
        }
        s.out.println("   -- keep-alive (-k), " + c.abKeepAliveRequests + " requests");
        s.compare("http_keepalive_rps", "HTTP GET " + c.abPath + ", keep-alive (ab -k -c " + c.abConcurrency + ")", "req/s", true,
                tapwire, () -> ab(tapwire.client(), true, c.abKeepAliveRequests), linux, () -> ab(linux.client(), true, c.abKeepAliveRequests));
    }

    private Suite.Outcome ab(Netns client, boolean keepAlive, int requests) {
        Netns.Result r = client.exec(s.bound(), abCommand(keepAlive, requests).toArray(new String[0]));
        String o = r.stdout() + r.stderr();
        long complete = field(o, "Complete requests:\\s+(\\d+)");
        long failed = field(o, "Failed requests:\\s+(\\d+)");
        long non2xx = field(o, "Non-2xx responses:\\s+(\\d+)");
        long ka = field(o, "Keep-Alive requests:\\s+(\\d+)");
        Matcher rps = Pattern.compile("Requests per second:\\s+([0-9.]+)").matcher(o);
        Matcher p99 = Pattern.compile("\\n\\s*99%\\s+(\\d+)").matcher(o);
        Matcher time = Pattern.compile("Time taken for tests:\\s+([0-9.]+)").matcher(o);
        if (r.exitCode() != 0 || !rps.find() || complete != requests) {
            throw new IllegalStateException("ab exited " + r.exitCode() + ", " + Math.max(complete, 0) + " of " + requests
                    + " requests complete: " + o.strip().replaceAll("\\s*\\n\\s*", " | "));
        }
        if (failed > 0 || non2xx > 0) {
            s.report.error("ab" + (keepAlive ? " -k" : "") + " against " + client.name() + ": " + failed + " failed, " + Math.max(0, non2xx) + " non-2xx");
        }
        double v = Double.parseDouble(rps.group(1));
        return new Suite.Outcome(v, String.format(Locale.ROOT, "%d requests in %s s = %.0f req/s, failed %d%s, 99%% within %s ms%s",
                complete, time.find() ? time.group(1) : "?", v, failed, non2xx > 0 ? ", non-2xx " + non2xx : "",
                p99.find() ? p99.group(1) : "?", keepAlive ? ", keep-alive requests " + ka : ""));
    }

    private static long field(String o, String regex) {
        Matcher m = Pattern.compile(regex).matcher(o);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
