package io.tapwire.pcap.drill;

import io.tapwire.DropReason;
import io.tapwire.Stack;
import io.tapwire.StackConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The backquoted shell lines of Linux's packetdrill tests, run against the stack's settings instead
 * of a Linux host. A line may hold several commands (one per line, or separated by {@code ;}):
 * <ul>
 *   <li>{@code ../common/defaults.sh} (any path ending in {@code defaults.sh}): the file is read
 *       beside the script and its commands run in turn; a file that holds only a path (a symbolic
 *       link checked out as text) is followed; when it cannot be found, Linux's own settings
 *       ({@link LinuxProfile#BUILT_IN_DEFAULTS}) are used, with a note;</li>
 *   <li>{@code sysctl [-q] [-w] NAME=VALUE...} and {@code set_sysctls.py /proc/sys/NAME=VALUE...}:
 *       each applied by {@link LinuxSysctls} (values may be quoted and use {@code $((...))});</li>
 *   <li>{@code ip tcp_metrics flush}: flushes the Fast Open cookie cache (Linux keeps the cookies
 *       in tcp_metrics; tapwire has no other metrics);</li>
 *   <li>{@code nstat} (output discarded) records the counters, and {@code nstat | grep NAME}
 *       succeeds only if NAME grew since (for the counters in {@link #NSTAT_DROPS});</li>
 *   <li>{@code grep STRING /proc/net/tcp /proc/net/tcp6 | grep STRING}: over the stack's sockets
 *       drawn as Linux's rows ({@link ProcNetTcp}); fails when no line is left;</li>
 *   <li>{@code echo N > /sys/module/tcp_cubic/parameters/NAME}: CUBIC's HyStart parameters
 *       ({@link CubicModuleParameters});</li>
 *   <li>{@code A || B} runs B when A fails or has no tapwire counterpart; {@code #} starts a
 *       comment; {@code &> /dev/null} and {@code > /dev/null} are dropped;</li>
 *   <li>commands about the host that tapwire's in-process run has no counterpart for and that do
 *       not change what the stack does: {@code tc qdisc} (no queueing discipline: segments leave
 *       at once, as pfifo; but a fifo of limit 0 makes the device refuse every frame, local
 *       congestion, until {@code tc qdisc delete}), {@code /tmp/sysctl_restore_*.sh} (each script gets a fresh stack):
 *       noted and ignored.</li>
 *   <li>{@code ip route change DST ... advmss N mtu lock N initcwnd N}: route metrics for the peer
 *       ({@link #route}).</li>
 * </ul>
 * {@code rm} and {@code dd} on {@code /tmp} files work on the run's scratch folder ({@link ScratchFiles}).
 * Anything else (other routes, reading {@code /proc} otherwise) makes the script unsupported, naming the command.
 */
final class LinuxShell {
    private static final Pattern ARITH = Pattern.compile("\\$\\(\\(([^()]*)\\)\\)");
    private static final Pattern REDIRECT = Pattern.compile("\\s*(\\d?>&\\d|(&|\\d)?>\\s*/dev/null)");
    /** {@code nstat | grep NAME}: succeeds when the counter grew since the last nstat. */
    private static final Pattern NSTAT_GREP = Pattern.compile("nstat\\s*\\|\\s*grep\\s+(\\w+)");
    private static final int MAX_DEPTH = 4;

    private final StackConfig config;
    private final Path scriptDir;
    private final List<String> notes;

    /**
     * @param scriptDir the folder of the script (relative paths start there), or null when the
     *                  script was given as text only
     */
    LinuxShell(StackConfig config, Path scriptDir, List<String> notes) {
        this(config, scriptDir, notes, () -> null);
    }

    /** As above, with the stack the commands act on ({@code stack} gives null before it is built). */
    LinuxShell(StackConfig config, Path scriptDir, List<String> notes, Supplier<Stack> stack) {
        this.config = config;
        this.scriptDir = scriptDir;
        this.notes = notes;
        this.stack = stack;
    }

    private final Supplier<Stack> stack;
    /** The run's scratch folder for {@code rm} and {@code dd} on /tmp files ({@link ScratchFiles#shell}); null: none. */
    private ScratchFiles scratch;

    /** {@code tc qdisc ... limit 0} turns the device's local drops on, {@code tc qdisc delete} off; null: unsupported. */
    private java.util.function.Consumer<Boolean> localDrops;

    /** Lets a fifo qdisc of limit 0 make the device drop every frame locally ({@code on}) and its deletion stop that. */
    void localDrops(java.util.function.Consumer<Boolean> apply) {
        this.localDrops = apply;
    }

    /** Lets {@code rm} and {@code dd} work on the run's scratch files. */
    void scratch(ScratchFiles files) {
        this.scratch = files;
    }
    /** What each counter read at the last {@code nstat} (nstat prints increments since then). */
    private final Map<String, Long> nstatHistory = new HashMap<>();

    /** Runs the backquoted {@code text} of line {@code line}. */
    void run(String text, int line, boolean stackBuilt) {
        script(text, line, stackBuilt, scriptDir, 0);
    }

    private void script(String text, int line, boolean stackBuilt, Path dir, int depth) {
        // A backslash at the end of a line continues the command on the next.
        for (String raw : text.replace("\\\n", " ").split("\n")) {
            String l = withoutComment(raw).strip();
            if (l.isEmpty()) {
                continue;
            }
            for (String cmd : l.split(";")) {
                String c = REDIRECT.matcher(cmd).replaceAll("").strip();
                if (!c.isEmpty()) {
                    alternatives(c, line, stackBuilt, dir, depth);
                }
            }
        }
    }

    /** The line without its shell comment: from a {@code #} that starts a word, outside quotes. */
    static String withoutComment(String l) {
        char quote = 0;
        for (int i = 0; i < l.length(); i++) {
            char ch = l.charAt(i);
            if (quote != 0) {
                if (ch == quote) {
                    quote = 0;
                }
            } else if (ch == '"' || ch == '\'') {
                quote = ch;
            } else if (ch == '#' && (i == 0 || Character.isWhitespace(l.charAt(i - 1)))) {
                return l.substring(0, i);
            }
        }
        return l;
    }

    /**
     * {@code A || B}: B runs only when A fails. A command tapwire has no counterpart for counts as
     * failing here, as an unknown sysctl fails on an older kernel (the scripts use the form for
     * just that); the last alternative must be supported.
     */
    private void alternatives(String c, int line, boolean stackBuilt, Path dir, int depth) {
        String[] alts = c.split("\\|\\|");
        for (int i = 0; i < alts.length; i++) {
            String a = alts[i].strip();
            if (i == alts.length - 1) {
                command(a, line, stackBuilt, dir, depth);
                return;
            }
            try {
                command(a, line, stackBuilt, dir, depth);
                return;
            } catch (ScriptException e) {
                if (e.kind() == ScriptException.Kind.SYNTAX) {
                    throw e;
                }
                notes.add("line " + line + ": `" + a + "` has no tapwire counterpart: taken as failing, so `||` runs the next");
            }
        }
    }

    private void command(String c, int line, boolean stackBuilt, Path dir, int depth) {
        if (c.startsWith("/tmp/sysctl_restore_")) {
            notes.add("line " + line + ": `" + c + "`: each script gets a fresh stack, nothing to restore; ignored");
            return;
        }
        if (c.contains("/proc/net/tcp")) {
            // The stack's sockets as Linux lists them; the pipeline fails (and the script with it)
            // when grep leaves no line, as in packetdrill.
            if (!ProcNetTcp.grep(stack.get(), c, line)) {
                throw new ScriptFailure(line, "`" + c + "` failed: no line of the stack's /proc/net/tcp matched");
            }
            notes.add("line " + line + ": `" + c + "`: matched a row of the stack's /proc/net/tcp");
            return;
        }
        Matcher cubicParameter = CubicModuleParameters.ECHO.matcher(c);
        if (cubicParameter.matches()) {
            notes.add("line " + line + ": " + CubicModuleParameters.apply(config, cubicParameter, line));
            return;
        }
        Matcher grep = NSTAT_GREP.matcher(c);
        if (grep.matches()) {
            nstatGrep(grep.group(1), line, c);
            return;
        }
        List<String> words = words(c, line);
        String program = words.get(0);
        String prefix = "line " + line + ": `" + c + "`: ";
        if (program.endsWith("defaults.sh")) {
            defaults(program, line, stackBuilt, dir, depth);
        } else if (program.equals("sysctl")) {
            for (String w : words.subList(1, words.size())) {
                if (w.startsWith("-")) {
                    if (!w.equals("-q") && !w.equals("-w") && !w.equals("-e")) {
                        throw ScriptException.unsupported(line, "sysctl option " + w);
                    }
                    continue;
                }
                sysctl(w, line, stackBuilt);
            }
        } else if (program.endsWith("set_sysctls.py")) {
            for (String w : words.subList(1, words.size())) {
                if (!w.startsWith("/proc/sys/")) {
                    throw ScriptException.unsupported(line, "set_sysctls.py argument " + w);
                }
                sysctl(w.substring("/proc/sys/".length()).replace('/', '.'), line, stackBuilt);
            }
        } else if (program.equals("ip") && words.size() >= 3 && words.get(1).equals("tcp_metrics") && words.get(2).equals("flush")) {
            // Linux keeps the Fast Open cookies in tcp_metrics: the flush forgets them.
            if (stackBuilt) {
                stack.get().tcp().flushFastOpenCookies();
            }
            notes.add(prefix + "the Fast Open cookie cache is flushed (tapwire keeps no other TCP metrics)");
        } else if (program.equals("ip") && words.contains("route") && (words.contains("change") || words.contains("replace"))) {
            route(words, line, prefix);
        } else if (program.equals("ethtool") && words.size() >= 5 && words.get(1).equals("-K")) {
            offloads(words, line, prefix);
        } else if (program.equals("tc") && words.contains("fq")) {
            throw ScriptException.unsupported(line, "`" + c + "`: the fq qdisc paces flows; tapwire does not pace");
        } else if (program.equals("tc") && dropsEverything(words)) {
            // A queue of no packets: every segment the stack hands the device is dropped locally
            // (Linux's qdisc_drop, NET_XMIT_DROP), which TCP sees as local congestion: the drill's
            // device refuses every transmit descriptor until the qdisc is deleted.
            if (localDrops == null) {
                throw ScriptException.unsupported(line, "`" + c + "`: a qdisc dropping every packet, with no device to apply it to");
            }
            localDrops.accept(true);
            notes.add(prefix + "the device takes no frame now (local congestion) until the qdisc is deleted");
        } else if (program.equals("tc") && words.size() >= 4 && words.get(1).equals("qdisc") && words.get(2).equals("delete")
                && localDrops != null) {
            localDrops.accept(false);
            notes.add(prefix + "the device takes frames again");
        } else if (program.equals("tc") && words.size() >= 2 && words.get(1).equals("qdisc")) {
            notes.add(prefix + "tapwire has no queueing discipline (segments leave at once, as with pfifo); ignored");
        } else if (scratch != null && scratch.shell(words, line)) {
            notes.add(prefix + "run on the run's scratch folder");
        } else if (program.equals("nstat") && words.size() == 1) {
            nstatSnapshot();
            notes.add(prefix + "output discarded: nstat's history is reset");
        } else {
            throw ScriptException.unsupported(line, "shell command `" + c + "`");
        }
    }

    /** {@code tc qdisc add|replace ... pfifo|bfifo limit 0}: a queue that holds (and so passes) nothing. */
    private static boolean dropsEverything(List<String> words) {
        int limit = words.indexOf("limit");
        return words.size() >= 3 && words.get(1).equals("qdisc") && (words.contains("pfifo") || words.contains("bfifo"))
                && limit > 0 && limit + 1 < words.size() && words.get(limit + 1).equals("0");
    }

    /**
     * The nstat counters scripts grep for, by their nstat name: the stack's counter that is
     * Linux's. Others make the script unsupported.
     */
    private static final Map<String, DropReason> NSTAT_DROPS = Map.of(
            "TcpExtOutOfWindowIcmps", DropReason.TCP_ICMP_OUT_OF_WINDOW);

    private long nstatValue(String name) {
        Stack s = stack.get();
        return s == null ? 0 : s.statistics().get(NSTAT_DROPS.get(name));
    }

    private void nstatSnapshot() {
        for (String name : NSTAT_DROPS.keySet()) {
            nstatHistory.put(name, nstatValue(name));
        }
    }

    /**
     * {@code nstat | grep NAME}: nstat prints the counters that grew since its last run (and
     * records them); grep succeeds when NAME is among them. A failing command fails the script,
     * as in packetdrill.
     */
    private void nstatGrep(String name, int line, String c) {
        if (!NSTAT_DROPS.containsKey(name)) {
            throw ScriptException.unsupported(line, "`" + c + "`: no tapwire counter for " + name + " in the drill's nstat");
        }
        long before = nstatHistory.getOrDefault(name, 0L);
        long now = nstatValue(name);
        nstatSnapshot();
        if (now <= before) {
            throw new ScriptFailure(line, "`" + c + "` failed: " + name + " did not grow (" + now + ")");
        }
        notes.add("line " + line + ": `" + c + "`: " + name + " grew by " + (now - before));
    }

    /**
     * {@code ethtool -K DEV FEATURE on|off...}: with TSO and GSO off, Linux hands packetdrill
     * MSS-sized segments, so expected segments are no longer joined from tapwire's (which never
     * uses offloads); GRO and LRO concern what Linux receives, which tapwire takes whole anyway.
     */
    private void offloads(List<String> words, int line, String prefix) {
        if ((words.size() - 3) % 2 != 0) {
            throw ScriptException.syntax(line, "ethtool -K expects FEATURE on|off pairs");
        }
        for (int i = 3; i < words.size(); i += 2) {
            String feature = words.get(i);
            boolean on = switch (words.get(i + 1)) {
                case "on" -> true;
                case "off" -> false;
                default -> throw ScriptException.syntax(line, "ethtool -K " + feature + " expects on or off");
            };
            switch (feature) {
                case "tso", "gso" -> {
                    if (feature.equals("tso")) {
                        tso = on;
                    } else {
                        gso = on;
                    }
                }
                case "gro", "lro" -> { }
                default -> throw ScriptException.unsupported(line, "ethtool offload " + feature);
            }
        }
        notes.add(prefix + "segments are " + (segmentationOffload() ? "joined as GSO would build them" : "compared as sent (TSO and GSO off)"));
    }

    /** The script's remote address (its {@code --remote_ip} or packetdrill's default), the peer routes name. */
    private java.net.InetAddress scriptRemote;
    private boolean scriptV6;
    /** Route changes made before the stack was built, applied when it is. */
    private final List<io.tapwire.net.RouteMetrics.Metrics> pendingRoutes = new ArrayList<>();

    /**
     * The script's remote address: {@code --remote_ip}, else packetdrill's default (192.0.2.1, or
     * 2001:DB8::1 over IPv6). Routes to it are routes to the runner's peer.
     */
    void scriptRemote(String remote, boolean v6) {
        try {
            this.scriptRemote = java.net.InetAddress.getByName(remote.replaceFirst("/\\d+$", ""));
        } catch (java.net.UnknownHostException e) {
            this.scriptRemote = null;
        }
        this.scriptV6 = v6;
    }

    /** The stack now exists: route changes of the script's first lines take effect. */
    void stackBuilt(Stack s) {
        for (io.tapwire.net.RouteMetrics.Metrics m : pendingRoutes) {
            applyRoute(s, m);
        }
        pendingRoutes.clear();
    }

    private void applyRoute(Stack s, io.tapwire.net.RouteMetrics.Metrics m) {
        try {
            java.net.InetAddress peer = scriptV6 ? java.net.InetAddress.getByName(FreeBsdProfile.PEER_ADDRESS6.toString())
                    : java.net.InetAddress.getByName(io.tapwire.wire.Ipv4Address.toString(FreeBsdProfile.PEER_ADDRESS));
            s.routes().change(peer, m);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code ip [-4|-6] route change|replace DST [via GW] [dev DEV] [advmss N] [mtu [lock] N]
     * [initcwnd N]}: the route to the script's remote address (the runner's peer) gets these
     * metrics ({@link io.tapwire.net.RouteMetrics}), replacing its old ones as {@code change}
     * replaces the route; the gateway and device name nothing in the runner (the peer is on the
     * link). Other destinations and other route attributes make the script unsupported.
     */
    private void route(List<String> words, int line, String prefix) {
        int i = words.indexOf("route") + 1;
        while (i < words.size() && (words.get(i).equals("change") || words.get(i).equals("replace"))) {
            i++;
        }
        if (i >= words.size()) {
            throw ScriptException.syntax(line, "ip route change without a destination");
        }
        String dst = words.get(i++);
        java.net.InetAddress d;
        try {
            d = java.net.InetAddress.getByName(dst);
        } catch (java.net.UnknownHostException e) {
            throw ScriptException.unsupported(line, "route destination " + dst);
        }
        if (scriptRemote == null || !d.equals(scriptRemote)) {
            throw ScriptException.unsupported(line, "a route to " + dst + ", which the script does not talk to");
        }
        int advmss = 0;
        int mtu = 0;
        boolean lock = false;
        int initcwnd = 0;
        while (i < words.size()) {
            String w = words.get(i++);
            if (i >= words.size()) {
                throw ScriptException.syntax(line, "route attribute " + w + " without a value");
            }
            switch (w) {
                case "via", "dev" -> i++;
                case "advmss" -> advmss = number(words.get(i++), line);
                case "initcwnd" -> initcwnd = number(words.get(i++), line);
                case "mtu" -> {
                    if (words.get(i).equals("lock")) {
                        lock = true;
                        i++;
                    }
                    if (i >= words.size()) {
                        throw ScriptException.syntax(line, "mtu lock without a value");
                    }
                    mtu = number(words.get(i++), line);
                }
                default -> throw ScriptException.unsupported(line, "route attribute " + w);
            }
        }
        io.tapwire.net.RouteMetrics.Metrics m = new io.tapwire.net.RouteMetrics.Metrics(advmss, mtu, lock, initcwnd);
        Stack s = stack.get();
        if (s != null) {
            applyRoute(s, m);
        } else {
            pendingRoutes.add(m);
        }
        notes.add(prefix + "the route to the peer gets " + m);
    }

    private static int number(String w, int line) {
        try {
            return Integer.parseInt(w);
        } catch (NumberFormatException e) {
            throw ScriptException.syntax(line, "expected a number, got " + w);
        }
    }

    private boolean tso = true;
    private boolean gso = true;

    /** Whether Linux would hand packetdrill GSO-sized segments (TSO or GSO on, the default). */
    boolean segmentationOffload() {
        return tso || gso;
    }

    private void sysctl(String assignment, int line, boolean stackBuilt) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw ScriptException.unsupported(line, "sysctl read of " + assignment + " (only assignments are supported)");
        }
        if (assignment.substring(0, eq).endsWith("tcp_fastopen_cookies")) {
            // The size of the Fast Open cookie cache; 0 empties it (the scripts set 0 then 10 to
            // flush it). tapwire's cache has no size limit: only the flush has a counterpart.
            if (assignment.substring(eq + 1).strip().equals("0") && stackBuilt) {
                stack.get().tcp().flushFastOpenCookies();
            }
            notes.add("line " + line + ": " + assignment + ": " + (assignment.endsWith("=0") ? "the Fast Open cookie cache is flushed"
                    : "no size limit on tapwire's Fast Open cookie cache"));
            return;
        }
        Sysctls.Outcome o = LinuxSysctls.apply(config, assignment.substring(0, eq), assignment.substring(eq + 1), stackBuilt);
        notes.add("line " + line + ": " + o.note());
        if (!o.supported()) {
            throw ScriptException.unsupported(line, o.note());
        }
    }

    private void defaults(String path, int line, boolean stackBuilt, Path dir, int depth) {
        if (depth >= MAX_DEPTH) {
            throw ScriptException.unsupported(line, "defaults.sh links nested too deeply");
        }
        Path file = dir == null ? null : dir.resolve(path).normalize();
        if (file != null && Files.isRegularFile(file)) {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw ScriptException.unsupported(line, "cannot read " + file + ": " + e.getMessage());
            }
            String t = text.strip();
            if (!t.contains("\n") && t.endsWith("defaults.sh") && !t.startsWith("#")) {
                // A symbolic link checked out as a file holding its target.
                defaults(t, line, stackBuilt, file.getParent(), depth + 1);
                return;
            }
            notes.add("line " + line + ": running " + file);
            script(text, line, stackBuilt, file.getParent(), depth + 1);
            return;
        }
        notes.add("line " + line + ": " + path + " not found beside the script; applying Linux's defaults.sh settings built into the runner");
        script(String.join("\n", LinuxProfile.BUILT_IN_DEFAULTS), line, stackBuilt, dir, depth + 1);
    }

    /** The command's words, quotes removed and {@code $((...))} evaluated. */
    static List<String> words(String c, int line) {
        Matcher m = ARITH.matcher(c);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Long.toString(arithmetic(m.group(1), line)));
        }
        m.appendTail(sb);
        String s = sb.toString();
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (quote != 0) {
                if (ch == quote) {
                    quote = 0;
                } else {
                    w.append(ch);
                }
            } else if (ch == '"' || ch == '\'') {
                quote = ch;
                inWord = true;
            } else if (Character.isWhitespace(ch)) {
                if (inWord) {
                    words.add(w.toString());
                    w.setLength(0);
                    inWord = false;
                }
            } else if (ch == '|' || ch == '&' || ch == '<' || ch == '>' || ch == '$' || ch == '`') {
                throw ScriptException.unsupported(line, "shell construct '" + ch + "' in `" + c + "`");
            } else {
                w.append(ch);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw ScriptException.syntax(line, "unterminated quote in `" + c + "`");
        }
        if (inWord) {
            words.add(w.toString());
        }
        if (words.isEmpty()) {
            throw ScriptException.syntax(line, "empty shell command");
        }
        return words;
    }

    /** Integer arithmetic of {@code $((...))}: numbers, + - * /, left to right with * and / first. */
    static long arithmetic(String expr, int line) {
        String e = expr.replaceAll("\\s+", "");
        if (!e.matches("\\d+([-+*/]\\d+)*")) {
            throw ScriptException.unsupported(line, "shell arithmetic $((" + expr + "))");
        }
        long sum = 0;
        long term = 0;
        char addOp = '+';
        char mulOp = 0;
        Matcher m = Pattern.compile("(\\d+)([-+*/]?)").matcher(e);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            term = mulOp == 0 ? n : mulOp == '*' ? term * n : term / n;
            String op = m.group(2);
            if (op.equals("*") || op.equals("/")) {
                mulOp = op.charAt(0);
            } else {
                sum = addOp == '+' ? sum + term : sum - term;
                mulOp = 0;
                if (!op.isEmpty()) {
                    addOp = op.charAt(0);
                }
            }
        }
        return sum;
    }
}
