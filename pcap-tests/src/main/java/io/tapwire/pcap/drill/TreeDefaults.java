package io.tapwire.pcap.drill;

import java.nio.file.Path;

/**
 * The settings a script of Linux's packetdrill tree starts from when it runs no
 * {@code defaults.sh} itself. Older scripts of packetdrill's {@code gtests/net/tcp} tree (blocking,
 * close, limited_transmit...) carry the call commented out ({@code //`../common/defaults.sh`}) or
 * not at all, and still expect what defaults.sh sets: a SYN-ACK with {@code wscale 8} needs
 * {@code tcp_rmem}'s 15 MiB maximum (Linux's own 6 MiB gives 7). The harness they were written for
 * applied the tree's defaults to every script; the same scripts as Linux carries them in
 * tools/testing/selftests/net/packetdrill (tcp_blocking_blocking-accept.pkt,
 * tcp_close_close-remote-fin-then-close.pkt) run {@code `./defaults.sh`} explicitly and keep those
 * expectations. So in a tree holding {@code common/defaults.sh}, a script that does not run it
 * gets it first; a script that runs it (or sets its own sysctls after it) is left alone.
 */
final class TreeDefaults {
    private TreeDefaults() {
    }

    /** Whether one of {@code script}'s shell lines runs a {@code defaults.sh} (shell comments ignored). */
    static boolean runsDefaults(Script script) {
        for (Script.Event e : script.events()) {
            if (e.action() instanceof Script.Command c) {
                for (String raw : c.text().split("\n")) {
                    if (LinuxShell.withoutComment(raw).contains("defaults.sh")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Runs the tree's {@code common/defaults.sh} through {@code shell} before the script's first
     * event when {@code script} (in {@code scriptDir}, null for a script given as text) runs none
     * of its own. Does nothing outside a Linux tree.
     */
    static void applyUnlessRun(Script script, Path scriptDir, LinuxShell shell, java.util.List<String> notes) {
        if (scriptDir == null || runsDefaults(script)) {
            return;
        }
        Path defaults = LinuxProfile.commonDefaults(scriptDir);
        if (defaults == null) {
            return;
        }
        notes.add("the script runs no defaults.sh: the tree's " + defaults
                + " applies first, as packetdrill's harness applied it to every script of the tree");
        shell.run(defaults.toAbsolutePath().toString(), 0, false);
    }
}
