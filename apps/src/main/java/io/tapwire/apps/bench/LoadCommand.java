package io.tapwire.apps.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tapwire load}: the echo QPS client of the seed notes ({@code test_qps_tcpclient -s HOST -p
 * PORT -t 50 -c 100 -n 1000000}, 512-byte requests) against any TCP echo server, tapwire's or the
 * kernel's. Prints one line in the notes' format and one with latency percentiles:
 *
 * <pre>
 * success: 1000000, failed: 0, time_used: 7873, qps: 127016
 * latency: p50 740.2 us, p99 2101.0 us, max 15003.1 us
 * </pre>
 *
 * <p>Exit status 0 when every request succeeded, 1 when some failed or the server could not be
 * reached, 2 for bad options. Runs in a namespace as {@code ip netns exec NS java -cp tapwire.jar
 * io.tapwire.apps.Main load ...}. See {@link LoadClient} for what a request is.
 */
@Command(name = "load",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Echo QPS load client (the seed notes' test_qps_tcpclient): THREADS threads",
            "share CONNECTIONS connections to an echo server and run REQUESTS round trips",
            "of SIZE bytes in a closed loop, each reply checked byte for byte. Prints",
            "  success: N, failed: F, time_used: MS, qps: Q",
            "and a latency line. A wrong reply, a reset or a reply later than --timeout",
            "counts as failed (the connection is reopened). --connect measures accepts",
            "instead: each request is a new connection (connect, close, wait for the",
            "server's close). Exit status: 0 all succeeded, 1 some failed or no",
            "connection, 2 bad options."
        })
public final class LoadCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "10.0.0.2", description = "The echo server's address (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = {"-p", "--port"}, defaultValue = "7", description = "The echo server's port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = {"-t", "--threads"}, defaultValue = "50", description = "Client threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = {"-c", "--connections"}, defaultValue = "100",
            description = "Connections, at least THREADS; each thread owns CONNECTIONS/THREADS of them (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = {"-n", "--requests"}, defaultValue = "1000000", description = "Requests in all (default: ${DEFAULT-VALUE}).")
    long requests;

    @Option(names = {"-s", "--size"}, defaultValue = "512", description = "Bytes per request and per reply, 1..65536 (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "A reply (or with --connect, a connection's whole cycle) later than this fails (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--warmup", defaultValue = "0", paramLabel = "REQUESTS",
            description = "Requests run on the same connections before the clock starts, not counted (default: ${DEFAULT-VALUE}).")
    long warmup;

    @Option(names = "--connect",
            description = "Accepts per second: every request is a new connection (connect, shut down sending, read to the server's close).")
    boolean connect;

    @Option(names = "--no-latency", description = "Do not print the latency line.")
    boolean noLatency;

    /** The settings these options describe. */
    LoadClient.Settings settings() {
        return new LoadClient.Settings(host, port, threads, connections, requests, size,
                (long) (timeoutSeconds * 1e9), warmup, connect);
    }

    @Override
    public Integer call() throws InterruptedException {
        LoadClient.Settings s = settings();
        String invalid = s.invalid();
        if (invalid != null) {
            System.err.println("tapwire load: " + invalid);
            return 2;
        }
        System.err.printf(Locale.ROOT, "tapwire load: %s:%d, %d threads, %s, %d requests%s%s%n", host, port, threads,
                connect ? "a new connection per request" : connections + " connections", requests,
                connect ? "" : " of " + size + " B", warmup > 0 ? " after " + warmup + " warm-up requests" : "");
        LoadClient.Result r;
        try {
            LoadClient client = new LoadClient(s);
            try (io.tapwire.apps.progress.Progress p = io.tapwire.apps.progress.Progress.start("requests", requests,
                    client::started, io.tapwire.apps.progress.Progress.Unit.COUNT)) {
                r = client.run();
            }
        } catch (IOException e) {
            System.err.println("tapwire load: " + e.getMessage());
            return 1;
        }
        System.out.println(r.line());
        String latency = r.latencyLine();
        if (!noLatency && latency != null) {
            System.out.println(latency);
        }
        System.out.flush();
        if (!connect) {
            System.err.printf(Locale.ROOT, "tapwire load: %d connections opened in %.1f ms%n", connections, r.connectNanos() / 1e6);
        }
        if (r.firstError() != null) {
            System.err.println("tapwire load: first failure: " + r.firstError());
        }
        return r.failed() == 0 ? 0 : 1;
    }
}
