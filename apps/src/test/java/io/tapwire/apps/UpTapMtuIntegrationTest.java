package io.tapwire.apps;

import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code tapwire up} on a TAP the Linux side made with MTU 9000 takes that MTU when {@code --mtu}
 * is not given: its banner says so and a Linux TCP client's MSS toward it follows (the stack
 * offers MTU - 40 in its SYN-ACK; Linux's mss less 12 with timestamps); with {@code --mtu 1500} the
 * option wins.
 */
class UpTapMtuIntegrationTest {
    private static final long WAIT_SECONDS = 30;

    @Test
    void upTakesTheTapsMtuUnlessTold() throws Exception {
        Requirements.sandboxWith("nc", "ss");
        check(List.of(), 9000);
        check(List.of("--mtu", "1500"), 1500);
    }

    private void check(List<String> extra, int mtu) throws Exception {
        Path dir = Files.createTempDirectory("tapwire-up-mtu");
        Path log = dir.resolve("up.log");
        try (Netns ns = Netns.create()) {
            Process up = null;
            try {
                ns.run("ip", "tuntap", "add", "dev", "tap0", "mode", "tap");
                ns.run("ip", "link", "set", "tap0", "mtu", "9000");
                List<String> args = new ArrayList<>(List.of("up", "--netns", ns.name(), "--tap", "tap0"));
                args.addAll(extra);
                up = new ProcessBuilder(UpControlSocketIntegrationTest.java(args.toArray(String[]::new))).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                ns.run("ip", "addr", "add", "10.0.0.1/24", "dev", "tap0");
                ns.run("ip", "link", "set", "tap0", "up");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
                // up starts serving before it prints its banner: wait for both.
                while (!ns.exec("nc", "-z", "-w", "1", "10.0.0.2", "9").ok() || !Files.readString(log).contains(", TX ")) {
                    if (!up.isAlive() || System.nanoTime() > deadline) {
                        fail("up never served 10.0.0.2:9 or printed its banner; its output:\n" + Files.readString(log));
                    }
                    Thread.sleep(100);
                }
                String out = Files.readString(log);
                assertTrue(out.contains(", MTU " + mtu + ","), "up " + String.join(" ", extra) + " should say MTU " + mtu + ":\n" + out);
                // A connection held open while ss looks at it: the MSS Linux settled on with the stack
                // is the MTU less 40 bytes of headers, less 12 more with TCP timestamps (on by default).
                String ss = ns.run("sh", "-c", "(sleep 3 | timeout 5 nc 10.0.0.2 9) & for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.2; "
                        + "s=$(ss -tinH state established dst 10.0.0.2); [ -n \"$s\" ] && break; done; echo \"$s\"; echo; ss -tani; wait");
                java.util.regex.Matcher m = java.util.regex.Pattern.compile(" mss:(\\d+) ").matcher(ss);
                assertTrue(m.find(), "up " + String.join(" ", extra) + ": no mss in ss -tin:\n" + ss);
                int got = Integer.parseInt(m.group(1));
                assertTrue(got == mtu - 40 || got == mtu - 52, "up " + String.join(" ", extra) + ": MSS " + got + " for MTU " + mtu + ":\n" + ss);
            } finally {
                if (up != null) { // stopped before its namespace goes
                    up.destroy();
                    if (!up.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
                        up.destroyForcibly().waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
                    }
                }
            }
        }
    }
}
