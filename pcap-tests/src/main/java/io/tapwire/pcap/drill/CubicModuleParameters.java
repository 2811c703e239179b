package io.tapwire.pcap.drill;

import io.tapwire.StackConfig;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes to the tcp_cubic module's parameters in a script's shell lines
 * ({@code echo 3 > /sys/module/tcp_cubic/parameters/hystart_detect}), mapped to the
 * {@link StackConfig} settings that hold them. Linux reads the parameters on every ACK; tapwire
 * gives each connection its HyStart settings when it is created, so a write applies to the
 * connections opened after it (the scripts write before their first socket). Parameters without
 * a tapwire setting make the script unsupported, naming the parameter.
 */
final class CubicModuleParameters {
    /** {@code echo VALUE > /sys/module/tcp_cubic/parameters/NAME}. */
    static final Pattern ECHO = Pattern.compile("echo\\s+(-?\\w+)\\s*>\\s*/sys/module/tcp_cubic/parameters/(\\w+)");

    /** Parameter name to StackConfig field. */
    private static final Map<String, String> FIELDS = Map.of(
            "hystart", "tcpCubicHystart",
            "hystart_detect", "tcpCubicHystartDetect",
            "hystart_low_window", "tcpCubicHystartLowWindow",
            "hystart_ack_delta_us", "tcpCubicHystartAckDeltaUs");

    private CubicModuleParameters() {
    }

    /** Applies the write {@code m} (a match of {@link #ECHO}); returns the note for the report. */
    static String apply(StackConfig config, Matcher m, int line) {
        String value = m.group(1);
        String name = m.group(2);
        String field = FIELDS.get(name);
        if (field == null) {
            throw ScriptException.unsupported(line, "tcp_cubic module parameter " + name + " (no tapwire setting)");
        }
        long n;
        try {
            n = Cursor.parseInteger(value);
        } catch (NumberFormatException e) {
            throw ScriptException.syntax(line, "tcp_cubic parameter " + name + " expects a number, got " + value);
        }
        Object v = Settings.type(field) == boolean.class ? (Object) (n != 0) : (Object) (int) n;
        if (!Settings.set(config, field, v)) {
            throw ScriptException.unsupported(line, "tcp_cubic parameter " + name + " cannot take " + value);
        }
        return "tcp_cubic parameter " + name + "=" + value + ": " + field + " = " + v + " (for connections opened from now on)";
    }
}
