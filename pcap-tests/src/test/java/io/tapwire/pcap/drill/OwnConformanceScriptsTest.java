package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tapwire's own packetdrill scripts in the FreeBSD suite's style, for the folders whose scripts
 * the shared copy lacks (snd-syn, socket-api, rcv-icmp): src/test/resources/conformance/own. Every
 * script must pass; none may be skipped.
 */
class OwnConformanceScriptsTest {
    private static final Path OWN = Path.of("src/test/resources/conformance/own");

    @Test
    void everyOwnScriptPasses() {
        assertTrue(Files.isDirectory(OWN), OWN.toAbsolutePath() + " is missing");
        List<Path> folders = List.of(OWN.resolve("snd-syn"), OWN.resolve("socket-api"), OWN.resolve("rcv-icmp"));
        List<Conformance.Group> groups = Conformance.run(folders, OWN, RunOptions.standard());
        System.out.print(ConformanceReport.format(groups, false));
        List<String> problems = new ArrayList<>();
        int scripts = 0;
        for (Conformance.Group g : groups) {
            for (ScriptResult r : g.results()) {
                scripts++;
                if (!r.passed()) {
                    problems.add(r.summary());
                }
            }
        }
        assertTrue(scripts >= 15, "only " + scripts + " scripts found under " + OWN);
        assertTrue(problems.isEmpty(), "own scripts that do not pass:\n  " + String.join("\n  ", problems));
    }
}
