package io.tapwire.apps;

/**
 * The IPv6 twin of {@link DashboardIntegrationTest}: {@code curl -6} downloads through the lossy,
 * rate-limited link while headless Chromium shows {@code http://[fd00::2]/dashboard}; the charts
 * hold data points and the table lists the IPv6 download as {@code [fd00::2]:80-[fd00::1]:PORT}.
 */
class Dashboard6IntegrationTest extends DashboardIntegrationTest implements Ipv6Twin {
    @Override
    String urlHost() {
        return "[" + Sandbox.STACK_ADDRESS6 + "]";
    }

    @Override
    String linuxEnd() {
        return "[" + Sandbox.HOST_ADDRESS6 + "]";
    }
}
