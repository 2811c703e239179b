package io.tapwire.apps;

import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code tapwire up} as its own process (its TAP in a private network namespace) opens the control
 * socket, and {@code tapwire ss} and {@code tapwire nstat} run as separate processes reach it
 * there: the listeners of every service {@code up} starts (iperf3 on 5201 among them) and the
 * counters. On SIGTERM {@code up} removes the socket.
 */
class UpControlSocketIntegrationTest {
    private static final long WAIT_SECONDS = 30;

    /** The command line of {@code tapwire ARGS} on this JVM and class path (also used by UpTapMtuIntegrationTest). */
    static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.tapwire.apps.Main");
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String runTool(String... args) throws Exception {
        Process p = new ProcessBuilder(java(args)).redirectErrorStream(true).start();
        if (!p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("gave up waiting: tapwire " + String.join(" ", args) + " did not finish");
        }
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), "tapwire " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    @Test
    void ssAndNstatInOtherProcessesReachARunningUp() throws Exception {
        Requirements.sandboxWith();
        Path dir = Files.createTempDirectory("tapwire-up-control");
        Path control = dir.resolve("up.sock");
        Process up = null;
        try (Netns ns = Netns.create()) {
            up = new ProcessBuilder(java("up", "--netns", ns.name(), "--tap", "tap0", "--control", control.toString(), "--io", "epoll"))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("up.log").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (!Files.exists(control)) {
                if (!up.isAlive() || System.nanoTime() > deadline) {
                    fail("gave up waiting for the control socket; up's output:\n" + Files.readString(dir.resolve("up.log")));
                }
                Thread.sleep(100);
            }
            String ss = runTool("ss", "-tlnH", "--control", control.toString());
            List<String> ports = new ArrayList<>();
            for (String line : ss.strip().split("\n")) {
                String[] f = line.trim().split("\\s+");
                assertEquals("LISTEN", f[0], ss);
                ports.add(f[3].substring(f[3].lastIndexOf(':') + 1));
            }
            assertEquals(List.of("7", "9", "19", "80", "5201"), ports, "up's listeners, iperf3's included:\n" + ss);
            String udp = runTool("ss", "-uanH", "--control", control.toString());
            assertTrue(udp.contains("0.0.0.0:7") && udp.contains("0.0.0.0:5201"), "UDP echo and iperf3:\n" + udp);
            String nstat = runTool("nstat", "-az", "--control", control.toString(), "--history", dir.resolve("hist").toString(),
                    "TcpActiveOpens");
            assertEquals(String.format("#kernel%n%-32s%-16d%6.1f%n", "TcpActiveOpens", 0, 0.0), nstat);
            up.destroy();   // SIGTERM: up's shutdown hook stops the stack and closes the control socket
            if (!up.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
                fail("gave up waiting: up did not stop on SIGTERM");
            }
            assertFalse(Files.exists(control), "up removed its control socket when it stopped");
        } finally {
            if (up != null && up.isAlive()) {
                up.destroyForcibly();
                up.waitFor(10, TimeUnit.SECONDS);
            }
            for (File f : dir.toFile().listFiles()) {
                f.delete();
            }
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void upWithTwoQueuesListensOnEveryShardAndOpensAMultiQueueTap() throws Exception {
        Requirements.sandboxWith();
        Path dir = Files.createTempDirectory("tapwire-up-queues");
        Path control = dir.resolve("up.sock");
        Path log = dir.resolve("up.log");
        Process up = null;
        try (Netns ns = Netns.create()) {
            up = new ProcessBuilder(java("up", "--netns", ns.name(), "--tap", "tap0", "--control", control.toString(),
                    "--queues", "2")).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (!Files.exists(control)) {
                if (!up.isAlive() || System.nanoTime() > deadline) {
                    fail("gave up waiting for the control socket; up's output:\n" + Files.readString(log));
                }
                Thread.sleep(100);
            }
            assertTrue(ns.run("ip", "-d", "link", "show", "tap0").contains("multi_queue"), "the TAP has IFF_MULTI_QUEUE");
            String ss = runTool("ss", "-tlnH", "--control", control.toString());
            List<String> ports = new ArrayList<>();
            for (String line : ss.strip().split("\n")) {
                String[] f = line.trim().split("\\s+");
                assertEquals("LISTEN", f[0], ss);
                ports.add(f[3].substring(f[3].lastIndexOf(':') + 1));
            }
            // Each shard's listeners (the SO_REUSEPORT shape); no iperf3 with several queues.
            assertEquals(List.of("7", "9", "19", "80", "7", "9", "19", "80"), ports, "listeners of both shards:\n" + ss);
            String udp = runTool("ss", "-uanH", "--control", control.toString());
            assertEquals(2, udp.lines().filter(l -> l.contains("0.0.0.0:7")).count(), "UDP echo on both shards:\n" + udp);
            up.destroy();
            if (!up.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
                fail("gave up waiting: up did not stop on SIGTERM");
            }
            String out = Files.readString(log);
            assertTrue(out.contains("2 queues (a stack shard each)"), out);
            assertTrue(out.contains("TAP tap0 (2 queues)"), out);
        } finally {
            if (up != null && up.isAlive()) {
                up.destroyForcibly();
                up.waitFor(10, TimeUnit.SECONDS);
            }
            for (File f : dir.toFile().listFiles()) {
                f.delete();
            }
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void upRefusesQueuesWithAPcap() throws Exception {
        Process up = new ProcessBuilder(java("up", "--queues", "2", "--pcap", "/tmp/never-written.pcap", "--no-control"))
                .redirectErrorStream(true).start();
        if (!up.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
            up.destroyForcibly();
            fail("gave up waiting: up did not refuse");
        }
        String out = new String(up.getInputStream().readAllBytes());
        assertEquals(2, up.exitValue(), out);
        assertTrue(out.contains("--pcap and impairment work on one queue only"), out);
    }
}
