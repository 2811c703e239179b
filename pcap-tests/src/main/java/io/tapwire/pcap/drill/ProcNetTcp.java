package io.tapwire.pcap.drill;

import io.tapwire.Stack;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.tcp.TcpState;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Linux's {@code /proc/net/tcp} and {@code /proc/net/tcp6} drawn from the stack's sockets, for
 * the shell lines that grep them ({@code grep " 0A " /proc/net/tcp /proc/net/tcp6 | grep ":1F90"}:
 * is a listener on port 8080 still there). A row is Linux's: slot, local and remote address in
 * hex (IPv4 as the 32-bit word in the host's little-endian order, as Linux prints it on x86),
 * ports in hex, the state as Linux's TCP_* number in hex ({@code 0A} LISTEN, {@code 01}
 * ESTABLISHED...). Fields tapwire has no counterpart for (queues, timers, uid, inode) are zeros.
 * Only a pipeline of {@code grep} with fixed strings is supported; it succeeds, as grep does, when
 * a line is left.
 */
final class ProcNetTcp {
    /** {@code grep [-F] STRING [FILE...]}: a quoted or plain fixed string. */
    private static final Pattern REGEX_META = Pattern.compile("[\\\\.*\\[\\]^$+?(){}|]");

    private ProcNetTcp() {
    }

    /** Linux's state numbers (include/net/tcp_states.h). */
    private static int linuxState(TcpState s) {
        return switch (s) {
            case ESTABLISHED -> 1;
            case SYN_SENT -> 2;
            case SYN_RECEIVED -> 3;
            case FIN_WAIT_1 -> 4;
            case FIN_WAIT_2 -> 5;
            case TIME_WAIT -> 6;
            case CLOSED -> 7;
            case CLOSE_WAIT -> 8;
            case LAST_ACK -> 9;
            case LISTEN -> 10;
            case CLOSING -> 11;
        };
    }

    private static String v4(int address, int port) {
        return String.format(Locale.ROOT, "%08X:%04X", Integer.reverseBytes(address), port);
    }

    /** The rows of {@code /proc/net/tcp} ({@code v6} false) or {@code /proc/net/tcp6}. */
    static List<String> rows(Stack stack, boolean v6) {
        List<String> rows = new ArrayList<>();
        rows.add(v6 ? "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
                : "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
        if (stack == null) {
            return rows;
        }
        int slot = 0;
        // A wildcard listener takes both families in tapwire; it is listed in the file of the
        // family the script runs.
        if (v6 == stack.ipv6Enabled()) {
            for (TcpLayer.ListenerEntry l : stack.tcp().listeners()) {
                String local = v6 ? String.format(Locale.ROOT, "%032X:%04X", 0, l.port()) : v4(l.localAddress(), l.port());
                String remote = v6 ? String.format(Locale.ROOT, "%032X:%04X", 0, 0) : v4(0, 0);
                rows.add(row(slot++, local, remote, linuxState(TcpState.LISTEN)));
            }
        }
        for (TcpLayer.TcpInfoEntry e : stack.tcp().connections()) {
            if ((e.ipv6() != null) != v6) {
                continue;
            }
            String local;
            String remote;
            if (v6) {
                local = String.format(Locale.ROOT, "%016X%016X:%04X", e.ipv6().local().hi(), e.ipv6().local().lo(), e.localPort());
                remote = String.format(Locale.ROOT, "%016X%016X:%04X", e.ipv6().remote().hi(), e.ipv6().remote().lo(), e.remotePort());
            } else {
                local = v4(e.localAddress(), e.localPort());
                remote = v4(e.remoteAddress(), e.remotePort());
            }
            rows.add(row(slot++, local, remote, linuxState(e.info().state())));
        }
        return rows;
    }

    private static String row(int slot, String local, String remote, int state) {
        return String.format(Locale.ROOT, "%4d: %s %s %02X 00000000:00000000 00:00000000 00000000     0        0 0", slot, local, remote, state);
    }

    /**
     * Runs {@code grep A FILES | grep B ...} over the files; true when a line is left (grep's exit
     * status 0). Throws unsupported for anything else.
     */
    static boolean grep(Stack stack, String pipeline, int line) {
        List<String> lines = null;
        for (String stage : pipeline.split("\\|")) {
            List<String> words = LinuxShell.words(stage.strip(), line);
            if (!words.get(0).equals("grep")) {
                throw ScriptException.unsupported(line, "`" + stage.strip() + "` in a /proc/net/tcp pipeline (only grep)");
            }
            List<String> args = new ArrayList<>(words.subList(1, words.size()));
            args.remove("-F");
            if (args.isEmpty() || args.get(0).startsWith("-")) {
                throw ScriptException.unsupported(line, "grep options in `" + stage.strip() + "`");
            }
            String needle = args.get(0);
            if (REGEX_META.matcher(needle).find()) {
                throw ScriptException.unsupported(line, "grep pattern '" + needle + "' (only fixed strings)");
            }
            List<String> files = args.subList(1, args.size());
            List<String> in = new ArrayList<>();
            if (lines == null) {
                if (files.isEmpty()) {
                    throw ScriptException.unsupported(line, "grep reading nothing in `" + pipeline + "`");
                }
                for (String f : files) {
                    boolean v6 = switch (f) {
                        case "/proc/net/tcp" -> false;
                        case "/proc/net/tcp6" -> true;
                        default -> throw ScriptException.unsupported(line, "grep of " + f);
                    };
                    for (String r : rows(stack, v6)) {
                        // With several files grep prefixes each line with its file's name.
                        in.add(files.size() > 1 ? f + ":" + r : r);
                    }
                }
            } else {
                if (!files.isEmpty()) {
                    throw ScriptException.unsupported(line, "grep of a file after a pipe in `" + pipeline + "`");
                }
                in = lines;
            }
            List<String> out = new ArrayList<>();
            for (String r : in) {
                if (r.contains(needle)) {
                    out.add(r);
                }
            }
            lines = out;
        }
        return lines != null && !lines.isEmpty();
    }
}
