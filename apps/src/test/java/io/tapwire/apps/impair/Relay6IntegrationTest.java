package io.tapwire.apps.impair;

/**
 * The IPv6 twin of {@link RelayIntegrationTest}: Linux to Linux over IPv6 (fd00::1 to fd00::2,
 * neighbour discovery included) through the userspace impairment relay: {@code ping -6} delayed
 * both ways, 2 MiB over TCP intact through loss and reordering.
 */
class Relay6IntegrationTest extends RelayIntegrationTest {
    @Override
    String peerAddress() {
        return "fd00::2";
    }

    @Override
    void prepare(RelayedPair pair) {
        // Without duplicate address detection, so the addresses are usable at once.
        pair.host().run("ip", "-6", "addr", "add", "fd00::1/64", "dev", "tap0", "nodad");
        pair.peer().run("ip", "-6", "addr", "add", "fd00::2/64", "dev", "tap0", "nodad");
    }
}
