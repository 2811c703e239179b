package io.tapwire.tap;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetnsTest {

    @BeforeEach
    void requireNetns() {
        TapTestSupport.requireTapOrSkip().ifPresent(reason -> Assumptions.assumeTrue(false, reason));
    }

    @Test
    void namespaceExistsUntilClosedAndCloseIsIdempotent() {
        Netns ns = Netns.create();
        Path file = Path.of("/var/run/netns", ns.name());
        try {
            assertTrue(ns.name().startsWith("tw-" + ProcessHandle.current().pid() + "-"), ns.name());
            assertTrue(Files.exists(file));
        } finally {
            ns.close();
        }
        assertFalse(Files.exists(file));
        ns.close();
        assertThrows(IllegalStateException.class, () -> ns.exec("true"));
    }

    @Test
    void newNamespaceHasOnlyLoopbackAndItIsUp() {
        try (Netns ns = Netns.create()) {
            String links = ns.run("ip", "-o", "link", "show").strip();
            assertEquals(1, links.lines().count(), links);
            assertTrue(links.contains(": lo:") && links.contains("UP"), links);
        }
    }

    @Test
    void execCapturesExitCodeAndBothStreams() {
        try (Netns ns = Netns.create()) {
            Netns.Result r = ns.exec("sh", "-c", "echo out; echo err >&2; exit 3");
            assertEquals(new Netns.Result(3, "out\n", "err\n"), r);
            assertFalse(r.ok());
        }
    }

    @Test
    void runThrowsWithTheOutputOnFailure() {
        try (Netns ns = Netns.create()) {
            Netns.CommandFailedException e = assertThrows(Netns.CommandFailedException.class,
                    () -> ns.run("sh", "-c", "echo boom >&2; exit 1"));
            assertTrue(e.getMessage().contains("boom") && e.getMessage().contains("status 1"), e.getMessage());
            assertEquals(1, e.result().exitCode());
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(10) // a 30 s sleep that was not killed would outlast this bound
    void execKillsACommandThatTimesOut() {
        try (Netns ns = Netns.create()) {
            Netns.CommandFailedException e = assertThrows(Netns.CommandFailedException.class,
                    () -> ns.exec(Duration.ofMillis(300), "sleep", "30"));
            assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        }
    }

    @Test
    void aProcessLeftRunningInsideIsKilledOnCloseToo() {
        ProcessHandle orphan;
        try (Netns ns = Netns.create()) {
            // The shell exits at once; the sleep, reparented away from anything we started, stays inside.
            Netns.Result r = ns.exec("sh", "-c", "sleep 60 > /dev/null 2>&1 < /dev/null & echo $!");
            orphan = ProcessHandle.of(Long.parseLong(r.stdout().strip())).orElseThrow();
            assertTrue(orphan.isAlive());
        }
        assertFalse(orphan.isAlive(), "the orphan was killed with the namespace");
    }

    @Test
    void spawnedProcessIsKilledOnClose() {
        Process p;
        try (Netns ns = Netns.create()) {
            p = ns.spawn("sleep", "60");
            assertTrue(p.isAlive());
        }
        assertFalse(p.isAlive());
    }
}
