package io.tapwire.apps.ss;

import io.tapwire.apps.control.ControlClient;
import io.tapwire.apps.control.ControlServer;
import io.tapwire.apps.control.SocketRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code tapwire ss}: iproute2's {@code ss} for the sockets of a running {@code tapwire up},
 * read through its control socket. The same flags ({@code -t -u -l -a -i -n -e -o -O -H -s -4 -6}),
 * the same filter language ({@link SsFilter}) and the same columns and tcp_info fields
 * ({@link SsFormat}).
 */
@Command(name = "ss",
        mixinStandardHelpOptions = true,
        description = {
            "Show the sockets of a running 'tapwire up', like iproute2's ss.",
            "",
            "FILTER := [ state STATE-FILTER ] [ EXPRESSION ], e.g.",
            "  tapwire ss -tni state established '( sport = :80 or dport = :80 )'",
            "  tapwire ss -ta dst 10.0.0.1",
            "STATE-FILTER: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, closed, close-wait, "
                    + "last-ack, listening, closing, all, connected, synchronized, bucket, big (exclude STATE removes one)."
        })
public final class SsCommand implements Callable<Integer> {
    @Option(names = {"-t", "--tcp"}, description = "Display TCP sockets.")
    boolean tcp;

    @Option(names = {"-u", "--udp"}, description = "Display UDP sockets.")
    boolean udp;

    @Option(names = {"-l", "--listening"}, description = "Display only listening sockets (and unconnected UDP ones).")
    boolean listening;

    @Option(names = {"-a", "--all"}, description = "Display listening and non-listening sockets, TIME-WAIT and SYN-RECV included.")
    boolean all;

    @Option(names = {"-i", "--info"}, description = "Show internal TCP information (tcp_info), plus the CA state.")
    boolean info;

    @Option(names = {"-n", "--numeric"}, description = "Do not resolve service names; rates as plain numbers.")
    boolean numeric;

    @Option(names = {"-r", "--resolve"}, description = "Accepted for compatibility; addresses are always shown as numbers.")
    boolean resolve;

    @Option(names = {"-e", "--extended"}, description = "Show detailed socket information (identity, shutdown state, options).")
    boolean extended;

    @Option(names = {"-o", "--options"}, description = "Show TCP options (ts, sack, ecn) in the -i line.")
    boolean options;

    @Option(names = {"-O", "--oneline"}, description = "Print each socket's details on the same line.")
    boolean oneline;

    @Option(names = {"-H", "--no-header"}, description = "Suppress the header line.")
    boolean noHeader;

    @Option(names = {"-s", "--summary"}, description = "Print summary statistics.")
    boolean summary;

    @Option(names = {"-4", "--ipv4"}, description = "Display only IPv4 sockets (listeners and UDP sockets, which take both"
            + " families, count as IPv4).")
    boolean ipv4;

    @Option(names = {"-6", "--ipv6"}, description = "Display only IPv6 sockets (TCP connections over IPv6).")
    boolean ipv6;

    @Option(names = {"-x", "--unix"}, description = "Display Unix domain sockets (the stack has none).")
    boolean unix;

    @Option(names = {"-w", "--raw"}, description = "Display raw sockets (the stack has none).")
    boolean raw;

    @Option(names = {"-m", "--memory"}, description = "Show socket memory usage (skmem: queued bytes and buffer sizes).")
    boolean memory;

    @Option(names = {"-p", "--processes"}, description = "Accepted for compatibility; every socket belongs to the tapwire process.")
    boolean processes;

    @Option(names = "--tap", defaultValue = "tap0", description = "The TAP 'tapwire up' runs on, naming its control socket "
            + "/run/tapwire/NAME.sock (default: ${DEFAULT-VALUE}).")
    String tap;

    @Option(names = "--control", paramLabel = "PATH", description = "The control socket (default: /run/tapwire/<tap>.sock).")
    Path control;

    @Parameters(paramLabel = "FILTER", arity = "0..*", description = "State filter and expression, as ss takes them.")
    List<String> filter = new ArrayList<>();

    private final PrintStream out;

    public SsCommand() {
        this(System.out);
    }

    /** Prints to {@code out} instead of standard output (for tests and embedding). */
    public SsCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        SsFilter f;
        try {
            Set<SsFilter.State> base = all ? EnumSet.allOf(SsFilter.State.class)
                    : listening ? EnumSet.of(SsFilter.State.LISTEN, SsFilter.State.CLOSE) : SsFilter.CONNECTED_DEFAULT;
            f = SsFilter.parse(filter, base);
        } catch (IllegalArgumentException e) {
            System.err.println("tapwire ss: " + e.getMessage());
            return 2;
        }
        List<SocketRow> rows = new ArrayList<>();
        try {
            for (String line : ControlClient.ask(controlPath(), "sockets")) {
                rows.add(SocketRow.decode(line));
            }
        } catch (IOException e) {
            System.err.println("tapwire ss: " + e.getMessage());
            return 1;
        }
        if (summary) {
            out.print(summary(rows));
            return 0;
        }
        boolean anyType = tcp || udp || unix || raw;
        boolean showTcp = tcp || !anyType;
        boolean showUdp = udp || !anyType;
        List<SocketRow> shown = new ArrayList<>();
        for (SocketRow r : rows) {
            boolean type = r.netid().equals("tcp") ? showTcp : showUdp;
            // -4 / -6: ss's family filter (both given, or neither: every family).
            boolean family = ipv4 == ipv6 || (r.ipv6() ? ipv6 : ipv4);
            if (type && family && f.test(r)) {
                shown.add(r);
            }
        }
        boolean netid = !(tcp ^ udp) || unix || raw;
        SsFormat format = new SsFormat(new SsFormat.Options(numeric, info, extended, options || extended, oneline, !noHeader, netid,
                memory));
        out.print(format.table(shown));
        out.flush();
        return 0;
    }

    private Path controlPath() {
        return control != null ? control : ControlServer.defaultPath(tap);
    }

    /** ss -s: totals by protocol, as ss prints them (no raw or fragment sockets on the stack). */
    static String summary(List<SocketRow> rows) {
        int tcpAll = 0;
        int estab = 0;
        int timewait = 0;
        int udpAll = 0;
        int tcp6 = 0;
        for (SocketRow r : rows) {
            if (r.netid().equals("tcp")) {
                tcpAll++;
                if (r.ipv6() && !r.state().equals("TIME-WAIT")) {
                    tcp6++;
                }
                if (r.state().equals("ESTAB")) {
                    estab++;
                }
                if (r.state().equals("TIME-WAIT")) {
                    timewait++;
                }
            } else {
                udpAll++;
            }
        }
        int tcpSockets = tcpAll - timewait;
        StringBuilder sb = new StringBuilder();
        sb.append("Total: ").append(tcpAll + udpAll).append('\n');
        sb.append("TCP:   ").append(tcpAll).append(" (estab ").append(estab).append(", closed 0, orphaned 0, timewait ")
                .append(timewait).append(")\n\n");
        sb.append(String.format("%-10s%-10s%-10s%-9s%n", "Transport", "Total", "IP", "IPv6"));
        sb.append(String.format("%-10s%-10d%-10d%-9d%n", "RAW", 0, 0, 0));
        sb.append(String.format("%-10s%-10d%-10d%-9d%n", "UDP", udpAll, udpAll, 0));
        sb.append(String.format("%-10s%-10d%-10d%-9d%n", "TCP", tcpSockets, tcpSockets - tcp6, tcp6));
        sb.append(String.format("%-10s%-10d%-10d%-9d%n", "INET", tcpSockets + udpAll, tcpSockets - tcp6 + udpAll, tcp6));
        sb.append(String.format("%-10s%-10d%-10d%-9d%n", "FRAG", 0, 0, 0));
        return sb.toString();
    }
}
