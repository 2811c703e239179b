package io.tapwire.apps.record;

import io.tapwire.apps.Main;
import io.tapwire.pcap.replay.Scenario;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The recorder's catalogue and the recorded corpus name the same scenarios, with the same descriptions. */
class DriversTest {
    private static final Path CORPUS = Path.of("../pcap-tests/src/test/resources/scenarios");

    @Test
    void everyDriverHasARecordingAndEveryRecordingADriver() throws Exception {
        Set<String> drivers = Drivers.all().stream().map(ScenarioDriver::name).collect(Collectors.toCollection(TreeSet::new));
        Set<String> recorded = Scenario.list(CORPUS).stream().map(p -> p.getFileName().toString())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(drivers, recorded, "re-record with: ./tapwire record --all --out pcap-tests/src/test/resources/scenarios");
        assertTrue(drivers.size() >= 30, "only " + drivers.size() + " scenarios");
    }

    @Test
    void recordedDescriptionsAreTheDriversOnes() throws Exception {
        for (ScenarioDriver d : Drivers.all()) {
            Path file = CORPUS.resolve(d.name()).resolve(Scenario.DESCRIPTION);
            assertEquals(d.description(), Files.readString(file).strip(), file + " is stale: re-record " + d.name());
        }
    }

    @Test
    void recordCommandListsTheScenarios() {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = System.out;
        System.setOut(new java.io.PrintStream(buf, true));
        try {
            assertEquals(0, Main.run("record", "--list"));
        } finally {
            System.setOut(out);
        }
        List<String> lines = buf.toString().lines().toList();
        assertEquals(Drivers.all().size(), lines.size());
        assertTrue(lines.get(0).startsWith(Drivers.all().get(0).name() + " "), lines.get(0));
    }

    @Test
    void recordWithoutScenarioIsAUsageError() {
        java.io.PrintStream err = System.err;
        System.setErr(new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true));
        try {
            assertEquals(2, Main.run("record", "--out", "/tmp/x"));
        } finally {
            System.setErr(err);
        }
    }
}
