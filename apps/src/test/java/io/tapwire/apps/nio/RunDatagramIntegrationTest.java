package io.tapwire.apps.nio;

import io.tapwire.apps.Requirements;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * UDP echo servers with no tapwire code under {@code tapwire run}, answering {@code nc -u} on the
 * TAP: an NIO one ({@link DatagramEchoServerMain}), its INET6 channel on the wildcard over IPv6 and
 * IPv4 (dual-stack, IPv4 sources reported as IPv4 addresses), its default-family channel bound to
 * the stack's IPv6 address over IPv6; and a classic java.net one
 * ({@link ClassicDatagramEchoServerMain}), a DatagramSocket and a MulticastSocket, which reach
 * tapwire through the DatagramSocketImplFactory that {@code tapwire run} sets.
 */
class RunDatagramIntegrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int DUAL_PORT = 7009;
    private static final int V6_PORT = 7010;
    private RunSandbox sb;
    private Path dir;

    @AfterEach
    void stop() throws IOException {
        RunSandbox.closeAndDelete(sb, dir);
    }

    /** Until the program's output has {@code text}. */
    private String ncUdp(String family, String address, int port, String line) {
        Netns.Result r = sb.shell(TIMEOUT, "echo " + line + " | timeout 5 nc " + family + " -u -w1 " + address + " " + port);
        return r.stdout() + (r.stdout().isEmpty() ? r.stderr() : "");
    }

    @Test
    void ipv6DatagramChannelsEchoNcOverBothFamilies() throws Exception {
        Requirements.sandboxWith("nc", "timeout", "ss");
        sb = RunSandbox.start(DatagramEchoServerMain.class.getName(), Integer.toString(DUAL_PORT), RunSandbox.STACK6,
                Integer.toString(V6_PORT));
        sb.awaitOutput("default-family channel bound to");
        assertFalse(sb.exec(TIMEOUT, "ss", "-lun").stdout().contains(":" + DUAL_PORT), "the Linux kernel must not be the one bound");
        assertEquals("over six\n", ncUdp("-6", RunSandbox.STACK6, DUAL_PORT, "over six"), sb.output());
        sb.awaitOutput("INET6 channel echoed 9 bytes from /[fd00:0:0:0:0:0:0:1]:");
        assertEquals("over four\n", ncUdp("-4", RunSandbox.STACK, DUAL_PORT, "over four"), sb.output());
        sb.awaitOutput("INET6 channel echoed 10 bytes from /" + RunSandbox.HOST + ":");
        assertEquals("bound six\n", ncUdp("-6", RunSandbox.STACK6, V6_PORT, "bound six"), sb.output());
        sb.awaitOutput("default-family channel echoed 10 bytes from /[fd00:0:0:0:0:0:0:1]:");
        assertFalse(sb.output().contains("failed"), sb.output());
        assertTrue(sb.output().contains("INET6 channel bound to /[0:0:0:0:0:0:0:0]:" + DUAL_PORT), sb.output());
        assertTrue(sb.output().contains("default-family channel bound to /[fd00:0:0:0:0:0:0:2]:" + V6_PORT), sb.output());
    }

    @Test
    void classicDatagramAndMulticastSocketsEchoNc() throws Exception {
        Requirements.sandboxWith("nc", "timeout", "ss");
        sb = RunSandbox.start(ClassicDatagramEchoServerMain.class.getName(), Integer.toString(DUAL_PORT), Integer.toString(V6_PORT));
        sb.awaitOutput("MulticastSocket bound to");
        sb.awaitOutput("join failed: ");
        String ss = sb.exec(TIMEOUT, "ss", "-lun").stdout();
        assertFalse(ss.contains(":" + DUAL_PORT) || ss.contains(":" + V6_PORT), "the Linux kernel must not be the one bound:\n" + ss);
        assertEquals("plain four\n", ncUdp("-4", RunSandbox.STACK, DUAL_PORT, "plain four"), sb.output());
        sb.awaitOutput("DatagramSocket echoed 11 bytes from /" + RunSandbox.HOST + ":");
        // A longer datagram after a shorter one into the same reused packet comes back whole.
        assertEquals("plain four, and a longer line\n", ncUdp("-4", RunSandbox.STACK, DUAL_PORT, "plain four, and a longer line"), sb.output());
        sb.awaitOutput("DatagramSocket echoed 30 bytes from /" + RunSandbox.HOST + ":");
        assertEquals("plain six\n", ncUdp("-6", RunSandbox.STACK6, DUAL_PORT, "plain six"), sb.output());
        sb.awaitOutput("DatagramSocket echoed 10 bytes from /[fd00:0:0:0:0:0:0:1]:");
        assertEquals("multi four\n", ncUdp("-4", RunSandbox.STACK, V6_PORT, "multi four"), sb.output());
        sb.awaitOutput("MulticastSocket echoed 11 bytes from /" + RunSandbox.HOST + ":");
        String out = sb.output();
        // As the JDK's own sockets: the wildcard reported as 0.0.0.0, broadcast on by default, and a
        // MulticastSocket with SO_REUSEADDR set before it binds.
        assertTrue(out.contains("DatagramSocket bound to 0.0.0.0/0.0.0.0:" + DUAL_PORT + ", broadcast true"), out);
        assertTrue(out.contains("MulticastSocket bound to 0.0.0.0/0.0.0.0:" + V6_PORT + ", reuse address true"), out);
        assertTrue(out.contains("join failed: tapwire does not support multicast"), out);
        assertFalse(out.contains("failed: java"), out);
    }

    /**
     * Apache Commons Net's TFTP client ({@link TftpClientMain}, classic DatagramSockets) under
     * {@code tapwire run} reads a 300 kB file from Debian's tftpd-hpa on the Linux side and writes it
     * back. TFTP answers each request from a new port and moves the file in lock-step blocks, each
     * waiting on the socket's SO_TIMEOUT. A kernel socket of the namespace would reach the server
     * over the loopback, so the TAP's byte counters must show the file going both ways.
     */
    @Test
    void commonsNetTftpClientReadsAndWritesAFileThroughTheStack() throws Exception {
        Requirements.sandboxWith("in.tftpd");
        String tftpd = Requirements.tool("in.tftpd").toString();
        dir = Files.createTempDirectory("tapwire-tftp");
        byte[] data = Bodies.body(300_000);
        Files.write(dir.resolve("data.bin"), data);
        sb = RunSandbox.withTap();
        sb.netns.spawn(tftpd, "-L", "-c", "-u", "root", "-a", RunSandbox.HOST + ":69", "-s", dir.toString());
        long end = System.nanoTime() + 20_000_000_000L;
        while (!sb.exec(TIMEOUT, "ss", "-lun").stdout().contains(RunSandbox.HOST + ":69")) {
            if (System.nanoTime() > end) {
                fail("gave up waiting: in.tftpd did not bind " + RunSandbox.HOST + ":69");
            }
            Thread.sleep(50);
        }
        sb.launch(TftpClientMain.class.getName(), RunSandbox.HOST, "data.bin", "up.bin");
        int exit = sb.awaitExit(TIMEOUT);
        String out = sb.output();
        assertEquals(0, exit, out);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
        assertTrue(out.contains("received 300000 bytes sha256 " + sha), out);
        assertTrue(out.contains("sent 300000 bytes as up.bin"), out);
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("up.bin")), "the file written back");
        // The TAP's counters, as the kernel sees them: rx is what the stack sent, tx what it received.
        String[] bytes = sb.shell(TIMEOUT, "cat /sys/class/net/tap0/statistics/rx_bytes /sys/class/net/tap0/statistics/tx_bytes")
                .stdout().strip().split("\\s+");
        assertTrue(Long.parseLong(bytes[0]) > 300_000, "the upload crossed the TAP: rx_bytes " + bytes[0]);
        assertTrue(Long.parseLong(bytes[1]) > 300_000, "the download crossed the TAP: tx_bytes " + bytes[1]);
    }
}
