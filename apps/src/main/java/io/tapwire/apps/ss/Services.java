package io.tapwire.apps.ss;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** TCP service names from {@code /etc/services}, for ss's port names (shown without {@code -n}, accepted in filters). */
final class Services {
    private static final Path FILE = Path.of("/etc/services");
    private static Map<Integer, String> byPort;
    private static Map<String, Integer> byName;

    private Services() {
    }

    private static synchronized void load() {
        if (byPort != null) {
            return;
        }
        byPort = new HashMap<>();
        byName = new HashMap<>();
        List<String> lines;
        try {
            lines = Files.exists(FILE) ? Files.readAllLines(FILE) : List.of();
        } catch (IOException e) {
            lines = List.of();
        }
        for (String line : lines) {
            int hash = line.indexOf('#');
            String l = (hash >= 0 ? line.substring(0, hash) : line).trim();
            String[] f = l.split("\\s+");
            if (f.length < 2 || !f[1].endsWith("/tcp")) {
                continue;
            }
            try {
                int port = Integer.parseInt(f[1].substring(0, f[1].indexOf('/')));
                byPort.putIfAbsent(port, f[0]);
                for (int i = 0; i < f.length; i++) {
                    if (i != 1) {
                        byName.putIfAbsent(f[i], port);
                    }
                }
            } catch (NumberFormatException ignored) {
                // not a port/protocol field
            }
        }
    }

    /** The service name of a TCP port, or null. */
    static String name(int port) {
        load();
        return byPort.get(port);
    }

    /** The port of a service name, or null. */
    static Integer port(String name) {
        load();
        return byName.get(name);
    }
}
