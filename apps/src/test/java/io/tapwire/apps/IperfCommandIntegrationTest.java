package io.tapwire.apps;

import io.tapwire.apps.iperf.Json;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code tapwire iperf3 -c 10.0.0.1 --netns NS -J} as a user runs it: the command attaches its own
 * stack to a TAP made beforehand in a private namespace, where a stock {@code iperf3 -s -1}
 * listens, and prints a JSON report whose byte count is what it was asked to send.
 */
class IperfCommandIntegrationTest {
    /** The address Linux gives tap0 and the stock server binds (the IPv6 twin: fd00::1/64, without DAD). */
    String[] linuxAddress() {
        return new String[] {"ip", "addr", "add", "10.0.0.1/24", "dev", "tap0"};
    }

    /** The server address for {@code -B} and {@code -c}. */
    String server() {
        return "10.0.0.1";
    }

    /** The command's options for the stack's own address (the default --addr, 10.0.0.2/24). */
    String[] stackAddressOptions() {
        return new String[0];
    }

    @Test
    void theCommandRunsATestAgainstAStockServerAndPrintsJson() throws Exception {
        Requirements.sandboxWith("iperf3", "ss");
        try (Netns ns = Netns.create()) {
            ns.run("ip", "tuntap", "add", "dev", "tap0", "mode", "tap");
            ns.run(linuxAddress());
            ns.run("ip", "link", "set", "tap0", "up");
            Process server = ns.spawn("iperf3", "-s", "-1", "-B", server());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!ns.exec("ss", "-tlnH", "sport", "=", ":5201").stdout().contains("5201")) {
                if (System.nanoTime() > deadline) {
                    fail("gave up waiting: iperf3 -s did not listen");
                }
                Thread.sleep(50);
            }
            PrintStream saved = System.out;
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int exit;
            try {
                System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
                List<String> args = new ArrayList<>(List.of("iperf3", "-c", server(), "--netns", ns.name(), "-n", "2M", "-J"));
                args.addAll(List.of(stackAddressOptions()));
                exit = Main.run(args.toArray(String[]::new));
            } finally {
                System.setOut(saved);
            }
            String out = bytes.toString(StandardCharsets.UTF_8);
            assertEquals(0, exit, out);
            Map<String, Object> report = Json.parseObject(out.strip());
            @SuppressWarnings("unchecked")
            Map<String, Object> sent = (Map<String, Object>) ((Map<String, Object>) report.get("end")).get("sum_sent");
            assertEquals(2L << 20, ((Number) sent.get("bytes")).longValue(), "-n 2M sent exactly: " + out);
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                fail("gave up waiting: iperf3 -s -1 did not end after the test");
            }
            assertTrue(server.exitValue() == 0, "the stock server ended the one test cleanly");
        }
    }
}
