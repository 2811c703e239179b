package io.tapwire.apps.bench;

/**
 * tapwire's {@code HttpServer} over {@code JavaNetListener}, bound to port 80, for the
 * connections-per-second benchmark's Linux side:
 * {@code ip netns exec NS java -cp tapwire.jar io.tapwire.apps.bench.LinuxHttpServer --bind 10.0.0.2}.
 * Serves until standard input reaches EOF.
 */
public final class LinuxHttpServer {
    private LinuxHttpServer() {
    }

    public static void main(String[] args) throws Exception {
        LinuxServers.run(Cli.parse(args).get("bind", "10.0.0.2"), "http");
    }
}
