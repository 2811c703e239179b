package io.tapwire.apps;

import io.tapwire.tap.TapTestSupport;

import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The skipping rule of the integration tests, on top of the TAP driver's: with {@code CI=true}
 * every requirement that is not met fails the test loudly; elsewhere the test is skipped and
 * says why.
 */
final class Requirements {
    private Requirements() {
    }

    /** A TAP in a private network namespace (root, /dev/net/tun, iproute2) and these Linux tools. */
    static void sandboxWith(String... tools) {
        TapTestSupport.requireTapOrSkip().ifPresent(reason -> assumeTrue(false, reason));
        tools(tools);
    }

    /** These Linux tools on the PATH or in sbin. */
    static void tools(String... tools) {
        List<String> missing = Tools.missing(tools);
        if (missing.isEmpty()) {
            return;
        }
        String message = Tools.missingMessage(missing);
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI=true, so the integration tests must run, but they cannot: " + message);
        }
        assumeTrue(false, message);
    }
}
