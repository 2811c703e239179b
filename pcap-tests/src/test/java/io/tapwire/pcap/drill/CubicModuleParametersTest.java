package io.tapwire.pcap.drill;

import io.tapwire.StackConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code echo N > /sys/module/tcp_cubic/parameters/NAME} in a script's shell line sets the HyStart settings. */
class CubicModuleParametersTest {

    private static StackConfig run(String text) {
        StackConfig c = LinuxProfile.stackConfig();
        List<String> notes = new ArrayList<>();
        new LinuxShell(c, null, notes).run(text, 5, false);
        return c;
    }

    @Test
    void hystartParametersMapToTheirSettings() {
        StackConfig c = run("echo 1 > /sys/module/tcp_cubic/parameters/hystart_detect\n"
                + "echo 0 > /sys/module/tcp_cubic/parameters/hystart\n"
                + "echo 8 > /sys/module/tcp_cubic/parameters/hystart_low_window\n"
                + "echo 4000 > /sys/module/tcp_cubic/parameters/hystart_ack_delta_us");
        assertEquals(1, c.tcpCubicHystartDetect);
        assertEquals(false, c.tcpCubicHystart);
        assertEquals(8, c.tcpCubicHystartLowWindow);
        assertEquals(4000, c.tcpCubicHystartAckDeltaUs);
    }

    @Test
    void aParameterWithoutASettingMakesTheScriptUnsupported() {
        ScriptException e = assertThrows(ScriptException.class, () -> run("echo 800 > /sys/module/tcp_cubic/parameters/beta"));
        assertEquals(ScriptException.Kind.UNSUPPORTED, e.kind());
    }

    @Test
    void otherRedirectionsStayUnsupported() {
        assertThrows(ScriptException.class, () -> run("echo 1 > /proc/sys/net/ipv4/tcp_sack"));
    }
}
