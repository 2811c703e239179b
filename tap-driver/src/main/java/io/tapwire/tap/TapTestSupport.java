package io.tapwire.tap;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The one skipping rule for every test that needs a real TAP in a private network namespace
 * (here and in the apps module's integration tests).
 *
 * <ul>
 *   <li>TAP usable (Linux, root, {@code ip}, {@code /dev/net/tun}): returns empty, the test runs.</li>
 *   <li>Not usable and environment variable {@code CI=true}: throws, so CI fails loudly instead
 *       of silently skipping the tests that matter most.</li>
 *   <li>Not usable elsewhere (a developer laptop without root): returns the reason; the test
 *       skips itself with it.</li>
 * </ul>
 *
 * <p>Main code, not test code, so other modules can use it; it returns the reason instead of
 * calling JUnit itself, which keeps JUnit off the main class path. In a test:
 *
 * <pre>{@code
 * TapTestSupport.requireTapOrSkip().ifPresent(reason -> Assumptions.assumeTrue(false, reason));
 * }</pre>
 */
public final class TapTestSupport {
    private static final Path TUN = Path.of("/dev/net/tun");

    private TapTestSupport() {
    }

    /**
     * Empty when TAP tests can run; otherwise why not, for {@code Assumptions.assumeTrue(false, reason)}.
     *
     * @throws IllegalStateException when they cannot run and {@code CI=true}
     */
    public static Optional<String> requireTapOrSkip() {
        return decide("true".equalsIgnoreCase(System.getenv("CI")), tapUnavailableReason());
    }

    /** Why a TAP in a private namespace cannot be used here, or empty when it can. */
    public static Optional<String> tapUnavailableReason() {
        Optional<String> netns = Netns.canCreate();
        if (netns.isPresent()) {
            return netns;
        }
        if (!Files.exists(TUN)) {
            return Optional.of("/dev/net/tun does not exist: modprobe tun, or mknod /dev/net/tun c 10 200");
        }
        return Optional.empty();
    }

    static Optional<String> decide(boolean ci, Optional<String> unavailable) {
        if (ci && unavailable.isPresent()) {
            throw new IllegalStateException("CI=true, so the TAP tests must run, but they cannot: "
                    + unavailable.get() + ". Run CI as root with /dev/net/tun and iproute2 available.");
        }
        return unavailable;
    }
}
