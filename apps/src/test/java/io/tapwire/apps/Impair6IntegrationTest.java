package io.tapwire.apps;

/** The IPv6 twin of {@link ImpairIntegrationTest}: {@code ping -6} through the delay line, and two MiB echoed intact over IPv6 through loss, reordering, duplication and corruption (what reached the stack damaged caught by the TCP checksum: IPv6 has no header checksum). */
class Impair6IntegrationTest extends ImpairIntegrationTest implements Ipv6Twin {
    @Override
    String target() {
        return Sandbox.STACK_ADDRESS6;
    }
}
