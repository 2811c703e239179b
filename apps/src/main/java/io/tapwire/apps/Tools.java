package io.tapwire.apps;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Finds the Linux tools the demo, the benchmark and the integration tests run. */
public final class Tools {
    /** Where the tools live on Debian; sbin is often missing from a non-root PATH. */
    private static final String[] EXTRA_DIRS = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};

    private Tools() {
    }

    /** The executable {@code name} on the PATH or in the sbin directories, if installed. */
    public static Optional<Path> find(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of(EXTRA_DIRS));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    public static boolean installed(String name) {
        return find(name).isPresent();
    }

    /** The names in {@code names} that are not installed. */
    public static List<String> missing(String... names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (!installed(n)) {
                out.add(n);
            }
        }
        return out;
    }

    /** A message saying which tools are missing and how to get them. */
    public static String missingMessage(List<String> missing) {
        return "missing Linux tools: " + String.join(", ", missing)
                + "; install them with scripts/install-deps.sh (as root; it uses apt-get)";
    }
}
