package io.tapwire.apps;

import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sandbox leaves nothing behind: its namespace goes on close and when starting fails. */
class SandboxLifecycleTest {
    private static final Path NETNS_DIR = Path.of("/var/run/netns");

    @Test
    void closeDeletesTheNamespaceAndTheTap() {
        Requirements.sandboxWith("ping");
        String name;
        try (Sandbox sb = Sandbox.start()) {
            name = sb.netns().name();
            assertTrue(Files.exists(NETNS_DIR.resolve(name)), "namespace " + name + " exists while open");
            String link = sb.exec("ip", "-o", "link", "show", "dev", Sandbox.TAP_NAME).stdout();
            assertTrue(link.contains("LOWER_UP"), link);
            // While open, that TAP is the stack's: the host side reaches the stack through it.
            Netns.Result ping = sb.exec("ping", "-n", "-c", "1", "-W", "2", Sandbox.STACK_ADDRESS);
            assertEquals(0, ping.exitCode(), "ping " + Sandbox.STACK_ADDRESS + " from the namespace: " + ping.stdout() + ping.stderr());
        }
        assertFalse(Files.exists(NETNS_DIR.resolve(name)), "namespace " + name + " left behind");
        assertFalse(Files.exists(Path.of("/sys/class/net", Sandbox.TAP_NAME)),
                "a " + Sandbox.TAP_NAME + " appeared in the root namespace");
    }

    @Test
    void failedStartLeavesNoNamespaceBehind() throws IOException {
        Requirements.sandboxWith();
        List<String> before = ours();
        // A ring size that is not a power of two is refused after the namespace was made.
        assertThrows(IllegalArgumentException.class, () -> Sandbox.start(new Sandbox.Options().ringSize(3)));
        assertEquals(before, ours());
    }

    @Test
    void execAfterCloseIsRefused() {
        Requirements.sandboxWith();
        Sandbox sb = Sandbox.start();
        sb.close();
        sb.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> sb.exec("true"));
    }

    /** Namespaces this JVM created (tw-<pid>-<n>). */
    private static List<String> ours() throws IOException {
        if (!Files.isDirectory(NETNS_DIR)) {
            return List.of();
        }
        String prefix = "tw-" + ProcessHandle.current().pid() + "-";
        try (Stream<Path> s = Files.list(NETNS_DIR)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).sorted().toList();
        }
    }
}
