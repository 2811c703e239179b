package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TreeDefaults}: a script of a Linux tree that runs no defaults.sh of its own starts from
 * the tree's, seen here through the window-scale shift of a SYN-ACK (8 with a 15 MiB tcp_rmem
 * maximum, 7 with Linux's own 6 MiB).
 */
class TreeDefaultsTest {
    /** A passive open whose SYN-ACK must carry {@code wscale 8}; the defaults call is commented out. */
    private static final String COMMENTED_OUT = """
            // The tree's settings are assumed: //`../common/defaults.sh`
                0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
               +0 bind(3, ..., ...) = 0
               +0 listen(3, 1) = 0
              +.1 < S 0:0(0) win 20000 <mss 1200,nop,wscale 6>
               +0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>
            """;

    private static Path tree(Path root, String rmemMax) throws IOException {
        Files.createDirectories(root.resolve("common"));
        Files.writeString(root.resolve("common/defaults.sh"), "sysctl -q net.ipv4.tcp_rmem=\"4096 540000 " + rmemMax + "\"\n");
        Path folder = root.resolve("tcp/blocking");
        Files.createDirectories(folder);
        return folder;
    }

    private static ScriptResult run(Path file, String text) throws IOException {
        Files.writeString(file, text);
        return Interpreter.run(file.getFileName().toString(), text, RunOptions.standard(), file);
    }

    @Test
    void aScriptRunningNoDefaultsGetsTheTreesFirst(@TempDir Path root) throws IOException {
        Path folder = tree(root, "15728640");
        ScriptResult r = run(folder.resolve("a.pkt"), COMMENTED_OUT);
        assertTrue(r.passed(), () -> r.location() + ": " + r.message() + "\n" + String.join("\n", r.notes()));
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("runs no defaults.sh")), () -> String.join("\n", r.notes()));
    }

    @Test
    void outsideATreeLinuxsOwnBufferMaximumGivesShiftSeven(@TempDir Path dir) throws IOException {
        // The same script with an explicit sysctl (so it is Linux's dialect) but no tree: 6 MiB, wscale 7.
        String text = "`sysctl -q net.ipv4.tcp_sack=1`\n" + COMMENTED_OUT;
        ScriptResult r = run(dir.resolve("b.pkt"), text);
        assertEquals(ScriptResult.Status.FAILED, r.status(), r::message);
        assertTrue(r.message().contains("wscale 7"), r::message);
    }

    @Test
    void aScriptRunningItsOwnDefaultsIsLeftAlone(@TempDir Path root) throws IOException {
        // The tree's file would give wscale 8; the script's own call runs it, then lowers the maximum.
        Path folder = tree(root, "15728640");
        String text = """
                `../../common/defaults.sh
                sysctl -q net.ipv4.tcp_rmem="4096 87380 4194304"`
                """ + COMMENTED_OUT.replace("wscale 8>", "wscale 7>");
        ScriptResult r = run(folder.resolve("c.pkt"), text);
        assertTrue(r.passed(), () -> r.location() + ": " + r.message() + "\n" + String.join("\n", r.notes()));
        assertFalse(r.notes().stream().anyMatch(n -> n.contains("runs no defaults.sh")), () -> String.join("\n", r.notes()));
    }

    @Test
    void onlyUncommentedShellTextCounts() {
        Script runs = ScriptParser.parse("x", "`../common/defaults.sh`\n0 close(3) = -1\n", java.util.Set.of());
        Script commented = ScriptParser.parse("y", "`sysctl -q net.ipv4.tcp_sack=1 # not ../common/defaults.sh`\n0 close(3) = -1\n",
                java.util.Set.of());
        assertTrue(TreeDefaults.runsDefaults(runs));
        assertFalse(TreeDefaults.runsDefaults(commented));
    }
}
