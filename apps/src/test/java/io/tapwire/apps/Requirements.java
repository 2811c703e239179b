package io.tapwire.apps;

import io.tapwire.tap.TapTestSupport;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The one skipping rule of every test that needs something from the machine (a TAP, a Linux tool
 * such as curl or wget), on top of the TAP driver's: with {@code CI=true} every requirement that
 * is not met fails the test loudly, naming what is missing; elsewhere the test is skipped and says
 * why. Tools the tests run are installed by {@code scripts/install-deps.sh}.
 */
public final class Requirements {
    private Requirements() {
    }

    /** A TAP in a private network namespace (root, /dev/net/tun, iproute2) and these Linux tools. */
    public static void sandboxWith(String... tools) {
        TapTestSupport.requireTapOrSkip().ifPresent(reason -> assumeTrue(false, reason));
        tools(tools);
    }

    /**
     * The installed {@code tool} to run, by the same search as {@link #tools}, so the check and the
     * command cannot disagree about the PATH; fails (CI) or skips the test when it is missing.
     */
    public static Path tool(String tool) {
        tools(tool);
        return Tools.find(tool).orElseThrow();
    }

    /** These Linux tools on the PATH or in sbin (see {@link Tools#find}). */
    public static void tools(String... tools) {
        List<String> missing = Tools.missing(tools);
        if (missing.isEmpty()) {
            return;
        }
        String message = Tools.missingMessage(missing);
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI=true, so this test must run, but it cannot: " + message);
        }
        assumeTrue(false, message);
    }
}
