package io.tapwire.apps.bench;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** The tiny {@code --key value} parser of the benchmark mains (they run in child JVMs, no picocli needed). */
final class Cli {
    private final Map<String, String> values = new HashMap<>();

    private Cli() {
    }

    static Cli parse(String[] args) {
        Cli c = new Cli();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("expected --option, got " + a);
            }
            int eq = a.indexOf('=');
            if (eq > 0) {
                c.values.put(a.substring(2, eq), a.substring(eq + 1));
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                c.values.put(a.substring(2), args[++i]);
            } else {
                c.values.put(a.substring(2), "true");
            }
        }
        return c;
    }

    String get(String key, String dflt) {
        return values.getOrDefault(key, dflt);
    }

    int getInt(String key, int dflt) {
        String v = values.get(key);
        return v == null ? dflt : Integer.parseInt(v);
    }

    double getDouble(String key, double dflt) {
        String v = values.get(key);
        return v == null ? dflt : Double.parseDouble(v);
    }

    /** Parses {@code k=v} tokens of a line (tokens without '=' are skipped). */
    static Map<String, String> keyValues(String line) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String tok : line.trim().split("\\s+")) {
            int eq = tok.indexOf('=');
            if (eq > 0) {
                m.put(tok.substring(0, eq), tok.substring(eq + 1));
            }
        }
        return m;
    }
}
