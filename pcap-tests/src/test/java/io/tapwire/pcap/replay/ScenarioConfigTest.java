package io.tapwire.pcap.replay;

import io.tapwire.StackConfig;
import io.tapwire.wire.MacAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScenarioConfigTest {
    @TempDir
    Path dir;

    @Test
    void writtenConfigReadsBackTheSame() throws Exception {
        ScenarioConfig c = new ScenarioConfig().stack("mac", "02:74:77:00:00:02").stack("tcpIsnSecret", "0x1234")
                .stack("tcpRmemDefault", 4096).mtu(1000).ringSize(256).originEpochNanos(123).endNanos(456);
        int app = c.app("discard port=1009 paused=true");
        c.action(1_500_000_000L, app, "resume-reading").driver("printf 'a\\nb' | nc -N 10.0.0.2 7");
        Path p = dir.resolve("config");
        c.write(p);
        ScenarioConfig r = ScenarioConfig.read(p);
        assertEquals(c.stackSettings(), r.stackSettings());
        assertEquals(c.apps(), r.apps());
        assertEquals(c.actions(), r.actions());
        assertEquals(c.driver(), r.driver());
        assertEquals(1000, r.mtu());
        assertEquals(456, r.endNanos());
        assertTrue(Files.readString(p).contains("action.1=1.500000000 app.1 resume-reading"));
    }

    @Test
    void stackSettingsApplyByFieldName() {
        StackConfig s = new ScenarioConfig().stack("mac", "02:74:77:00:00:02").stack("address", "10.0.0.9")
                .stack("tcpIsnSecret", "0x10").stack("tcpRmemDefault", 32768).stack("arpGratuitousAtStart", false).toStackConfig();
        assertEquals(MacAddress.parse("02:74:77:00:00:02"), s.mac);
        assertEquals(0x0A000009, s.address);
        assertEquals(16, s.tcpIsnSecret);
        assertEquals(32768, s.tcpRmemDefault);
        assertEquals(false, s.arpGratuitousAtStart);
    }

    @Test
    void unknownSettingSaysWhich() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ScenarioConfig().stack("tcpNoSuchThing", 1).toStackConfig());
        assertTrue(e.getMessage().contains("tcpNoSuchThing"), e.getMessage());
    }
}
