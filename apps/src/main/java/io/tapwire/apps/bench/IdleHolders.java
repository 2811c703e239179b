package io.tapwire.apps.bench;

import io.tapwire.tap.Netns;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Linux clients of {@code tapwire bench idle}: one {@code hold_connections} process (C,
 * {@code apps/src/main/c/hold_connections.c}) per {@link IdlePlan.Holder}, in the sandbox's
 * namespace with {@code ulimit -n 20000}, driven by lines on their standard input. Every command
 * goes to all of them at once, and the answers are summed. {@link #close()} closes their input
 * (they exit, closing what is still open) and kills any that linger.
 */
final class IdleHolders implements AutoCloseable {
    /** Open files per process: the hard limit here (root lacks CAP_SYS_RESOURCE to raise it). */
    static final int NOFILE = 20_000;

    private final List<NsProcess> processes = new ArrayList<>();
    private final List<IdlePlan.Holder> holders;

    private IdleHolders(List<IdlePlan.Holder> holders) {
        this.holders = holders;
    }

    /** The command line of one holder (without the namespace and ulimit wrapper). */
    static List<String> command(Path binary, IdlePlan.Holder h, String dst, int port, int inflight, int connectTimeoutSeconds) {
        return List.of(binary.toString(), "--src", h.address(), "--dst", dst, "--port", Integer.toString(port),
                "--count", Integer.toString(h.count()), "--first-port", Integer.toString(h.firstPort()),
                "--inflight", Integer.toString(inflight), "--connect-timeout", Integer.toString(connectTimeoutSeconds));
    }

    /** Starts every holder and waits until each has said "ready". */
    static IdleHolders start(Netns ns, Path binary, IdlePlan plan, String dst, int port, int inflight, int connectTimeoutSeconds,
                             Duration timeout) {
        IdleHolders hs = new IdleHolders(plan.holders());
        try {
            for (int i = 0; i < plan.holders().size(); i++) {
                IdlePlan.Holder h = plan.holders().get(i);
                hs.processes.add(NsProcess.start(ns, "holder-" + i, NsProcess.withNofile(NOFILE,
                        command(binary, h, dst, port, inflight, connectTimeoutSeconds))));
            }
            for (NsProcess p : hs.processes) {
                p.awaitPrefix("ready", timeout);
            }
            return hs;
        } catch (RuntimeException e) {
            hs.close();
            throw e;
        }
    }

    int size() {
        return processes.size();
    }

    /** The answers of all holders to one command: each numeric key summed, the slowest time, the errors reported. */
    record Answers(Map<String, Long> totals, long maxMillis, List<String> errors) {
        long total(String key) {
            return totals.getOrDefault(key, 0L);
        }
    }

    /**
     * Sends {@code command} to every holder and waits (until {@code deadlineNanos}) for each one's
     * line starting with {@code answer}, summing its {@code key=number} values.
     */
    Answers broadcast(String command, String answer, long deadlineNanos) {
        // Only lines printed after the command answer it: a command sent twice must not find the first answer.
        int[] from = new int[processes.size()];
        for (int i = 0; i < processes.size(); i++) {
            from[i] = processes.get(i).lineCount();
            processes.get(i).send(command);
        }
        Map<String, Long> totals = new TreeMap<>();
        long maxMillis = 0;
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            long left = Math.max(1, deadlineNanos - System.nanoTime());
            String line = processes.get(i).await(l -> l.startsWith(answer), Duration.ofNanos(left), "'" + answer + "' line", from[i]);
            Map<String, String> kv = Cli.keyValues(line);
            for (Map.Entry<String, String> e : kv.entrySet()) {
                if (e.getValue().matches("-?[0-9]+")) {
                    totals.merge(e.getKey(), Long.parseLong(e.getValue()), Long::sum);
                }
            }
            maxMillis = Math.max(maxMillis, Long.parseLong(kv.getOrDefault("millis", "0")));
            if (kv.containsKey("error")) {
                IdlePlan.Holder h = holders.get(i);
                errors.add(String.format(Locale.ROOT, "holder %d (%s ports %d-%d): %s", i, h.address(), h.firstPort(),
                        h.firstPort() + h.count() - 1, kv.get("error")));
            }
        }
        return new Answers(totals, maxMillis, errors);
    }

    /** Resident memory of all holders together (VmRSS), or -1 if it cannot be read. */
    long residentBytes() {
        long total = 0;
        for (NsProcess p : processes) {
            long kb = -1;
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                return -1;
            }
            if (kb < 0) {
                return -1;
            }
            total += kb * 1024;
        }
        return total;
    }

    /** The last lines of every holder that printed something other than its answers. */
    String outputTails() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < processes.size(); i++) {
            NsProcess p = processes.get(i);
            boolean unusual = !p.alive() || p.output().stream().anyMatch(l -> !l.startsWith("ready") && !l.startsWith("established")
                    && !l.startsWith("echoed") && !l.startsWith("closed"));
            if (unusual) {
                sb.append("  holder ").append(i).append(p.alive() ? "" : " (exited)").append(": ").append(p.tail()).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        // Closing every input first lets them all exit together rather than one after another.
        for (NsProcess p : processes) {
            p.closeInputOnly();
        }
        for (NsProcess p : processes) {
            p.close();
        }
        processes.clear();
    }
}
