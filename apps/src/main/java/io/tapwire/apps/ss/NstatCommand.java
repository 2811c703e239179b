package io.tapwire.apps.ss;

import io.tapwire.apps.control.ControlClient;
import io.tapwire.apps.control.ControlServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * {@code tapwire nstat}: iproute2's {@code nstat} for a running {@code tapwire up}. Prints the
 * counters that changed since the last run (kept in a history file, as nstat keeps
 * {@code /tmp/.nstat.u$UID}), in nstat's columns ({@code %-32s%-16llu%6.1f}); {@code -a} shows
 * absolute values, {@code -z} zeros too, {@code -r} resets the history, {@code -n} only updates
 * it, {@code -s} leaves it alone, {@code -j} prints JSON; patterns select names (shell globs,
 * case-insensitive, as nstat's fnmatch).
 */
@Command(name = "nstat",
        mixinStandardHelpOptions = true,
        description = {
            "Show the counters of a running 'tapwire up' that changed since the last run, like iproute2's nstat.",
            "Linux's names where Linux has the counter (TcpInSegs, TcpExtListenOverflows, ...), Tapwire... otherwise."
        })
public final class NstatCommand implements Callable<Integer> {
    @Option(names = {"-a", "--ignore"}, description = "Ignore the history: print absolute values.")
    boolean ignoreHistory;

    @Option(names = {"-z", "--zeros"}, description = "Show entries with zero activity too.")
    boolean zeros;

    @Option(names = {"-r", "--reset"}, description = "Reset the history.")
    boolean reset;

    @Option(names = {"-n", "--nooutput"}, description = "Do history only: update it, print nothing.")
    boolean noOutput;

    @Option(names = {"-s", "--noupdate"}, description = "Do not update the history.")
    boolean noUpdate;

    @Option(names = {"-j", "--json"}, description = "Print JSON.")
    boolean json;

    @Option(names = {"-p", "--pretty"}, description = "Pretty-print the JSON.")
    boolean pretty;

    @Option(names = "--tap", defaultValue = "tap0", description = "The TAP 'tapwire up' runs on (default: ${DEFAULT-VALUE}).")
    String tap;

    @Option(names = "--control", paramLabel = "PATH", description = "The control socket (default: /run/tapwire/<tap>.sock).")
    Path control;

    @Option(names = "--history", paramLabel = "FILE", description = "The history file (default: $TAPWIRE_NSTAT_HISTORY, "
            + "else /tmp/.tapwire-nstat.<tap>.<user>).")
    Path history;

    @Parameters(paramLabel = "PATTERN", arity = "0..*", description = "Show only counters whose names match one of these globs.")
    List<String> patterns = new ArrayList<>();

    private final PrintStream out;

    public NstatCommand() {
        this(System.out);
    }

    /** Prints to {@code out} instead of standard output (for tests and embedding). */
    public NstatCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        Map<String, Long> now = new LinkedHashMap<>();
        String instance;
        try {
            List<String> lines = ControlClient.ask(control != null ? control : ControlServer.defaultPath(tap), "counters");
            if (lines.isEmpty() || !lines.get(0).startsWith("#tapwire ")) {
                System.err.println("tapwire nstat: unexpected answer from the control socket");
                return 1;
            }
            instance = lines.get(0).substring("#tapwire ".length()).strip();
            for (String l : lines.subList(1, lines.size())) {
                int sp = l.lastIndexOf(' ');
                now.put(l.substring(0, sp), Long.parseLong(l.substring(sp + 1)));
            }
        } catch (IOException e) {
            System.err.println("tapwire nstat: " + e.getMessage());
            return 1;
        }
        NstatHistory hist = new NstatHistory(historyFile());
        try {
            if (reset) {
                hist.delete();
            }
            Map<String, Long> before = null;
            if (!ignoreHistory && !reset) {
                NstatHistory.Loaded loaded = hist.load();
                if (loaded != null) {
                    if (loaded.instance().equals(instance)) {
                        before = loaded.values();
                    } else {
                        System.err.println("nstat: history is stale (another tapwire up), ignoring it");
                    }
                }
            }
            if (!noOutput) {
                out.print(render(now, before));
                out.flush();
            }
            if (!noUpdate) {
                hist.save(instance, now);
            }
        } catch (IOException e) {
            System.err.println("tapwire nstat: history file " + hist.path() + ": " + e.getMessage());
            return 1;
        }
        return 0;
    }

    private Path historyFile() {
        if (history != null) {
            return history;
        }
        String env = System.getenv("TAPWIRE_NSTAT_HISTORY");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("java.io.tmpdir"), ".tapwire-nstat." + tap + "." + System.getProperty("user.name"));
    }

    /** The lines nstat prints: deltas against {@code before} (absolute values when null). */
    String render(Map<String, Long> now, Map<String, Long> before) {
        List<Pattern> globs = new ArrayList<>();
        for (String p : patterns) {
            globs.add(glob(p));
        }
        Map<String, Long> shown = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : now.entrySet()) {
            long v = e.getValue();
            if (before != null) {
                Long b = before.get(e.getKey());
                v = b == null ? v : v - b;
            }
            if (v == 0 && !zeros) {
                continue;
            }
            if (!globs.isEmpty() && globs.stream().noneMatch(g -> g.matcher(e.getKey()).matches())) {
                continue;
            }
            shown.put(e.getKey(), v);
        }
        StringBuilder sb = new StringBuilder();
        if (json) {
            String nl = pretty ? "\n" : "";
            String ind = pretty ? "    " : "";
            sb.append('{').append(nl).append(pretty ? "  " : "").append("\"kernel\":{").append(nl);
            int i = 0;
            for (Map.Entry<String, Long> e : shown.entrySet()) {
                sb.append(ind).append('"').append(e.getKey()).append("\":").append(e.getValue());
                sb.append(++i < shown.size() ? "," : "").append(nl);
            }
            sb.append(pretty ? "  " : "").append('}').append(nl).append("}\n");
            return sb.toString();
        }
        sb.append("#kernel\n");
        for (Map.Entry<String, Long> e : shown.entrySet()) {
            // nstat.c: "%-32s%-16llu%6.1f" (the rate column is 0.0 without the daemon, as nstat prints it).
            sb.append(String.format(Locale.ROOT, "%-32s%-16d%6.1f%n", e.getKey(), e.getValue(), 0.0));
        }
        return sb.toString();
    }

    /** fnmatch with FNM_CASEFOLD: * and ? and [..]. */
    static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[', ']' -> re.append(c);
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE);
    }
}
