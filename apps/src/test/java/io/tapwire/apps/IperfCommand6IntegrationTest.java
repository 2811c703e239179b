package io.tapwire.apps;

/**
 * The IPv6 twin of {@link IperfCommandIntegrationTest}: {@code tapwire iperf3 -c fd00::1 --addr6
 * fd00::2/64 --netns NS -J} against a stock {@code iperf3 -s -1 -B fd00::1}, the stack's own
 * IPv6 address given on the command line as {@code tapwire up} takes it.
 */
class IperfCommand6IntegrationTest extends IperfCommandIntegrationTest {
    @Override
    String[] linuxAddress() {
        return new String[] {"ip", "-6", "addr", "add", "fd00::1/64", "dev", "tap0", "nodad"};
    }

    @Override
    String server() {
        return "fd00::1";
    }

    @Override
    String[] stackAddressOptions() {
        return new String[] {"--addr6", "fd00::2/64"};
    }
}
