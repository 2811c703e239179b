package io.tapwire.apps.bench;

/**
 * The TCP echo service (tapwire's {@code EchoService}, thread per connection) over java.net on the
 * kernel's TCP, for the echo benchmark's Linux side:
 * {@code ip netns exec NS java -cp tapwire.jar io.tapwire.apps.bench.LinuxEchoServer --bind 10.0.0.2}.
 * Serves port 7 until standard input reaches EOF.
 */
public final class LinuxEchoServer {
    private LinuxEchoServer() {
    }

    public static void main(String[] args) throws Exception {
        LinuxServers.run(Cli.parse(args).get("bind", "10.0.0.2"), "echo");
    }
}
