package io.tapwire.pcap.replay;

import io.tapwire.StackConfig;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.MacAddress;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What a scenario's stack was, besides its input: the {@code config} file of a scenario folder, a
 * Java properties file.
 *
 * <pre>
 * stack.mac=02:74:77:00:00:02        any public field of StackConfig, by its name; MACs and
 * stack.address=10.0.0.2             addresses in their usual text form
 * stack.tcpIsnSecret=...
 * device.mtu=1500                    the device the stack ran on
 * device.ringSize=512
 * app.1=http port=80                 the deterministic applications (see {@code ScenarioApps})
 * app.2=discard port=9 paused=true
 * action.1=1.500000000 app.2 resume-reading     the application timeline, seconds from the origin
 * time.originEpochNanos=...          wall-clock time of the stack's first poll (virtual time 0)
 * time.endNanos=...                  the recording stopped here; replay stops here too
 * compare.timeToleranceNanos=...     how far an emitted frame's time may be from the recorded one
 * driver.1=curl -s http://10.0.0.2/  what the Linux side ran (documentation only)
 * </pre>
 */
public final class ScenarioConfig {
    /** Default tolerance on emission times: 5 ms (see {@link FrameComparison}). */
    public static final long DEFAULT_TIME_TOLERANCE_NANOS = 5_000_000L;

    /** One application: its kind and parameters, e.g. {@code discard port=9 paused=true}. */
    public record AppSpec(String kind, Map<String, String> params) {
        public AppSpec {
            params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
        }

        /** Parses {@code kind key=value ...}. */
        public static AppSpec parse(String text) {
            String[] words = text.trim().split("\\s+");
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 1; i < words.length; i++) {
                int eq = words[i].indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("app parameter '" + words[i] + "' in '" + text + "' is not key=value");
                }
                params.put(words[i].substring(0, eq), words[i].substring(eq + 1));
            }
            return new AppSpec(words[0], params);
        }

        public String param(String key, String fallback) {
            return params.getOrDefault(key, fallback);
        }

        public int intParam(String key, int fallback) {
            String v = params.get(key);
            return v == null ? fallback : Integer.parseInt(v);
        }

        public boolean boolParam(String key, boolean fallback) {
            String v = params.get(key);
            return v == null ? fallback : Boolean.parseBoolean(v);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(kind);
            params.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
            return sb.toString();
        }
    }

    /** An application action at a time: {@code verb} for app number {@code app} (1-based). */
    public record Action(long timeNanos, int app, String verb) {
        static Action parse(String text) {
            String[] w = text.trim().split("\\s+");
            if (w.length != 3 || !w[1].startsWith("app.")) {
                throw new IllegalArgumentException("action '" + text + "' is not '<seconds> app.<n> <verb>'");
            }
            long nanos = new java.math.BigDecimal(w[0]).movePointRight(9).longValueExact();
            return new Action(nanos, Integer.parseInt(w[1].substring(4)), w[2]);
        }

        @Override
        public String toString() {
            return seconds(timeNanos) + " app." + app + " " + verb;
        }
    }

    private final Map<String, String> stack = new LinkedHashMap<>();
    private int mtu = 1500;
    private int ringSize = 512;
    private final List<AppSpec> apps = new ArrayList<>();
    private final List<Action> actions = new ArrayList<>();
    private long originEpochNanos;
    private long endNanos;
    private long timeToleranceNanos = DEFAULT_TIME_TOLERANCE_NANOS;
    private final List<String> driver = new ArrayList<>();

    /** Sets a {@link StackConfig} field by name (checked when applied). */
    public ScenarioConfig stack(String field, Object value) {
        String text = String.valueOf(value);
        if (field.equals("mac") && value instanceof Long l) {
            text = MacAddress.toString(l);
        } else if ((field.equals("address") || field.equals("gateway")) && value instanceof Integer i) {
            text = Ipv4Address.toString(i);
        }
        stack.put(field, text);
        return this;
    }

    public Map<String, String> stackSettings() {
        return java.util.Collections.unmodifiableMap(stack);
    }

    public ScenarioConfig mtu(int mtu) {
        this.mtu = mtu;
        return this;
    }

    public int mtu() {
        return mtu;
    }

    public ScenarioConfig ringSize(int ringSize) {
        this.ringSize = ringSize;
        return this;
    }

    public int ringSize() {
        return ringSize;
    }

    /** Adds an application, e.g. {@code app("discard port=9")}; returns its number for actions. */
    public int app(String spec) {
        apps.add(AppSpec.parse(spec));
        return apps.size();
    }

    public List<AppSpec> apps() {
        return java.util.Collections.unmodifiableList(apps);
    }

    /** Adds {@code verb} for app number {@code app} at {@code timeNanos} from the origin. */
    public ScenarioConfig action(long timeNanos, int app, String verb) {
        actions.add(new Action(timeNanos, app, verb));
        actions.sort(Comparator.comparingLong(Action::timeNanos));
        return this;
    }

    public List<Action> actions() {
        return java.util.Collections.unmodifiableList(actions);
    }

    public ScenarioConfig originEpochNanos(long nanos) {
        this.originEpochNanos = nanos;
        return this;
    }

    public long originEpochNanos() {
        return originEpochNanos;
    }

    public ScenarioConfig endNanos(long nanos) {
        this.endNanos = nanos;
        return this;
    }

    public long endNanos() {
        return endNanos;
    }

    public ScenarioConfig timeToleranceNanos(long nanos) {
        this.timeToleranceNanos = nanos;
        return this;
    }

    public long timeToleranceNanos() {
        return timeToleranceNanos;
    }

    public ScenarioConfig driver(String line) {
        driver.add(line);
        return this;
    }

    public List<String> driver() {
        return java.util.Collections.unmodifiableList(driver);
    }

    /** A copy, for variations such as a test that changes one stack setting. */
    public ScenarioConfig copy() {
        ScenarioConfig c = new ScenarioConfig();
        c.stack.putAll(stack);
        c.mtu = mtu;
        c.ringSize = ringSize;
        c.apps.addAll(apps);
        c.actions.addAll(actions);
        c.originEpochNanos = originEpochNanos;
        c.endNanos = endNanos;
        c.timeToleranceNanos = timeToleranceNanos;
        c.driver.addAll(driver);
        return c;
    }

    /** A fresh {@link StackConfig} with this scenario's settings on top of the defaults. */
    public StackConfig toStackConfig() {
        StackConfig c = new StackConfig();
        stack.forEach((name, value) -> set(c, name, value));
        return c;
    }

    private static void set(StackConfig c, String name, String value) {
        Field f;
        try {
            f = StackConfig.class.getField(name);
        } catch (NoSuchFieldException e) {
            throw new IllegalArgumentException("stack." + name + ": StackConfig has no public field '" + name + "'");
        }
        if (Modifier.isStatic(f.getModifiers()) || Modifier.isFinal(f.getModifiers())) {
            throw new IllegalArgumentException("stack." + name + ": not a setting");
        }
        try {
            Class<?> t = f.getType();
            if (name.equals("mac")) {
                f.setLong(c, MacAddress.parse(value));
            } else if (t == int.class && value.contains(".")) {
                f.setInt(c, Ipv4Address.parse(value));
            } else if (t == int.class) {
                f.setInt(c, Integer.decode(value));
            } else if (t == long.class) {
                f.setLong(c, Long.decode(value));
            } else if (t == boolean.class) {
                f.setBoolean(c, Boolean.parseBoolean(value));
            } else if (t == io.tapwire.wire.Ipv6Address.class) {
                f.set(c, io.tapwire.wire.Ipv6Address.parse(value));
            } else {
                throw new IllegalArgumentException("stack." + name + ": settings of type " + t + " are not supported");
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("stack." + name + ": '" + value + "' is not a number");
        }
    }

    /** Reads a {@code config} file. */
    public static ScenarioConfig read(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        ScenarioConfig c = new ScenarioConfig();
        Map<Integer, String> appLines = new TreeMap<>();
        Map<Integer, String> actionLines = new TreeMap<>();
        Map<Integer, String> driverLines = new TreeMap<>();
        for (String key : new TreeMap<>(toMap(p)).keySet()) {
            String v = p.getProperty(key).trim();
            try {
                if (key.startsWith("stack.")) {
                    c.stack.put(key.substring(6), v);
                } else if (key.startsWith("app.")) {
                    appLines.put(Integer.parseInt(key.substring(4)), v);
                } else if (key.startsWith("action.")) {
                    actionLines.put(Integer.parseInt(key.substring(7)), v);
                } else if (key.startsWith("driver.")) {
                    driverLines.put(Integer.parseInt(key.substring(7)), v);
                } else {
                    switch (key) {
                        case "device.mtu" -> c.mtu = Integer.parseInt(v);
                        case "device.ringSize" -> c.ringSize = Integer.parseInt(v);
                        case "time.originEpochNanos" -> c.originEpochNanos = Long.parseLong(v);
                        case "time.endNanos" -> c.endNanos = Long.parseLong(v);
                        case "compare.timeToleranceNanos" -> c.timeToleranceNanos = Long.parseLong(v);
                        default -> throw new IllegalArgumentException("unknown key");
                    }
                }
            } catch (RuntimeException e) {
                throw new IOException(file + ": " + key + "=" + v + ": " + e.getMessage(), e);
            }
        }
        int expected = 1;
        for (var e : appLines.entrySet()) {
            if (e.getKey() != expected++) {
                throw new IOException(file + ": apps must be numbered app.1, app.2, ... without gaps");
            }
            c.apps.add(AppSpec.parse(e.getValue()));
        }
        for (String a : actionLines.values()) {
            Action action = Action.parse(a);
            if (action.app() < 1 || action.app() > c.apps.size()) {
                throw new IOException(file + ": action '" + a + "' names app." + action.app() + ", which does not exist");
            }
            c.actions.add(action);
        }
        c.actions.sort(Comparator.comparingLong(Action::timeNanos));
        c.driver.addAll(driverLines.values());
        return c;
    }

    private static Map<String, String> toMap(Properties p) {
        Map<String, String> m = new TreeMap<>();
        for (String k : p.stringPropertyNames()) {
            m.put(k, p.getProperty(k));
        }
        return m;
    }

    /** Writes the {@code config} file, keys in a stable order. */
    public void write(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("# tapwire pcap scenario: stack settings, applications and timeline (see ScenarioConfig)\n");
        stack.forEach((k, v) -> line(sb, "stack." + k, v));
        line(sb, "device.mtu", Integer.toString(mtu));
        line(sb, "device.ringSize", Integer.toString(ringSize));
        for (int i = 0; i < apps.size(); i++) {
            line(sb, "app." + (i + 1), apps.get(i).toString());
        }
        for (int i = 0; i < actions.size(); i++) {
            line(sb, "action." + (i + 1), actions.get(i).toString());
        }
        line(sb, "time.originEpochNanos", Long.toString(originEpochNanos));
        line(sb, "time.endNanos", Long.toString(endNanos));
        line(sb, "compare.timeToleranceNanos", Long.toString(timeToleranceNanos));
        for (int i = 0; i < driver.size(); i++) {
            line(sb, "driver." + (i + 1), driver.get(i));
        }
        Files.writeString(file, sb, StandardCharsets.UTF_8);
    }

    private static void line(StringBuilder sb, String key, String value) {
        sb.append(key).append('=');
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            switch (ch) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (i == 0 && ch == ' ') {
                        sb.append("\\ ");
                    } else if (ch < 0x20 || ch > 0x7E) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        sb.append('\n');
    }

    /** Seconds with nanosecond digits, e.g. {@code 1.500000000}. */
    static String seconds(long nanos) {
        return java.math.BigDecimal.valueOf(nanos, 9).toPlainString();
    }
}
