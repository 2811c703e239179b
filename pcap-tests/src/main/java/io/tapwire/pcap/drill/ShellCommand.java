package io.tapwire.pcap.drill;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.tcp.TcpState;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The backquoted shell lines of the suite, run against the stack instead of a FreeBSD host:
 * {@code sysctl -w NAME=VALUE} (see {@link Sysctls}); {@code sockstat} piped through {@code grep},
 * the suite's way to assert how many connections are in a state, answered from tapwire's
 * connection table and the script's descriptors with grep's own semantics; {@code tcpdrop} (the
 * FreeBSD branch's cleanup) is noted and ignored. Any other command makes the script unsupported.
 */
final class ShellCommand {
    /** What the line did: a failure message (null: fine) and a note for the log. */
    record Outcome(String failure, String note) {
    }

    private static final Pattern SYSCTL = Pattern.compile("sysctl\\s+-w\\s+([\\w.]+)=(\\S+)");
    private static final Pattern TCPDROP = Pattern.compile("tcpdrop(\\s+\\S+)*");

    private ShellCommand() {
    }

    /** A sysctl line: applied to {@code config}; null when {@code text} is not one. */
    static Sysctls.Outcome sysctl(String text, StackConfig config, boolean stackBuilt) {
        Matcher m = SYSCTL.matcher(text.strip());
        return m.matches() ? Sysctls.apply(config, m.group(1), m.group(2), stackBuilt) : null;
    }

    /** Any other line; {@code stack} may be null when the script has not created a socket yet. */
    static Outcome run(String text, int line, Stack stack, Syscalls sockets) {
        String t = text.strip();
        if (TCPDROP.matcher(t).matches()) {
            return new Outcome(null, "line " + line + ": `" + t + "`: tapwire cannot drop connections from outside; ignored");
        }
        if (t.startsWith("sockstat")) {
            return sockstat(t, line, stack, sockets);
        }
        throw ScriptException.unsupported(line, "shell command `" + t + "`");
    }

    private static Outcome sockstat(String t, int line, Stack stack, Syscalls sockets) {
        String[] stages = t.split("\\|");
        List<String> rows = sockstatRows(stages[0].strip(), line, stack, sockets);
        String output = String.join("\n", rows);
        boolean status = true;
        for (int i = 1; i < stages.length; i++) {
            String[] g = stages[i].strip().split("\\s+");
            if (g.length == 2 && g[0].equals("grep")) {
                List<String> kept = new ArrayList<>();
                for (String r : output.isEmpty() ? List.<String>of() : List.of(output.split("\n"))) {
                    if (r.contains(g[1])) {
                        kept.add(r);
                    }
                }
                output = String.join("\n", kept);
                status = !kept.isEmpty();
            } else if (g.length == 3 && g[0].equals("grep") && g[1].equals("-c")) {
                int n = 0;
                for (String r : output.isEmpty() ? List.<String>of() : List.of(output.split("\n"))) {
                    if (r.contains(g[2])) {
                        n++;
                    }
                }
                output = Integer.toString(n);
                status = n > 0;
            } else {
                throw ScriptException.unsupported(line, "pipeline stage '" + stages[i].strip() + "'");
            }
        }
        if (!status) {
            return new Outcome("`" + t + "` exited with status 1; sockstat would list:\n" + String.join("\n", rows), null);
        }
        return new Outcome(null, null);
    }

    /**
     * sockstat's lines for the TCP sockets on this host: the script's descriptors (owned by
     * "packetdril", as FreeBSD's sockstat cuts the command name) and connections no descriptor
     * holds; with {@code -s}, each line ends with the connection state.
     */
    private static List<String> sockstatRows(String cmd, int line, Stack stack, Syscalls sockets) {
        String[] a = cmd.split("\\s+");
        Set<Integer> ports = new HashSet<>();
        boolean states = false;
        // -4 / -6: only that family's sockets (a listener on the wildcard address is both).
        Boolean v6 = null;
        for (int i = 1; i < a.length; i++) {
            switch (a[i]) {
                case "-4" -> v6 = Boolean.FALSE;
                case "-6" -> v6 = Boolean.TRUE;
                case "-s" -> states = true;
                case "-P" -> {
                    if (i + 1 >= a.length || !a[++i].equals("tcp")) {
                        throw ScriptException.unsupported(line, "sockstat for protocols other than tcp");
                    }
                }
                case "-p" -> {
                    if (i + 1 >= a.length) {
                        throw ScriptException.syntax(line, "sockstat -p needs ports");
                    }
                    for (String p : a[++i].split(",")) {
                        try {
                            ports.add(Integer.parseInt(p));
                        } catch (NumberFormatException e) {
                            throw ScriptException.syntax(line, "sockstat -p needs port numbers, got '" + p + "'");
                        }
                    }
                }
                default -> throw ScriptException.unsupported(line, "sockstat option " + a[i]);
            }
        }
        List<String> rows = new ArrayList<>();
        Set<Long> owned = new HashSet<>();
        for (DrillSocket so : sockets.sockets()) {
            TcpState state = so.state();
            int local = so.boundPort;
            int remote = 0;
            boolean family6 = v6 != null && v6;
            if (so.connection != null) {
                local = so.connection.tcb().localPort();
                remote = so.connection.tcb().remotePort();
                family6 = so.connection.tcb().ipv6() != null;
                if (state != TcpState.CLOSED) {
                    owned.add(key(local, remote));
                }
            }
            if (v6 == null || v6 == family6) {
                addRow(rows, ports, "root     packetdril " + so.fd, local, remote, states ? state : null, family6);
            }
        }
        if (stack != null) {
            for (TcpLayer.TcpInfoEntry e : stack.tcp().connections()) {
                boolean family6 = e.ipv6() != null;
                if (!owned.contains(key(e.localPort(), e.remotePort())) && (v6 == null || v6 == family6)) {
                    addRow(rows, ports, "?        ?          ?", e.localPort(), e.remotePort(), states ? e.info().state() : null, family6);
                }
            }
        }
        return rows;
    }

    private static void addRow(List<String> rows, Set<Integer> ports, String owner, int local, int remote, TcpState state, boolean v6) {
        if (!ports.isEmpty() && !ports.contains(local) && !ports.contains(remote)) {
            return;
        }
        String from = v6 ? address6(FreeBsdProfile.STACK_ADDRESS6, local) : address(FreeBsdProfile.STACK_ADDRESS, local);
        String to = v6 ? address6(FreeBsdProfile.PEER_ADDRESS6, remote) : address(FreeBsdProfile.PEER_ADDRESS, remote);
        rows.add(owner + (v6 ? " tcp6 " : " tcp4 ") + from + " " + to + (state == null ? "" : " " + freeBsdName(state)));
    }

    private static String address6(io.tapwire.wire.Ipv6Address ip, int port) {
        return port <= 0 ? "*:*" : ip + ":" + port;
    }

    private static String address(int ip, int port) {
        return port <= 0 ? "*:*" : io.tapwire.wire.Ipv4Address.toString(ip) + ":" + port;
    }

    private static long key(int local, int remote) {
        return ((long) local << 16) | remote;
    }

    /** FreeBSD's tcpstates[] spelling. */
    static String freeBsdName(TcpState s) {
        return switch (s) {
            case SYN_RECEIVED -> "SYN_RCVD";
            default -> s.name();
        };
    }
}
