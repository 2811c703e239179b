package io.tapwire.pcap.drill;

import io.tapwire.tcp.TcpInfo;
import io.tapwire.tcp.TcpState;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The small part of packetdrill's Python code blocks ({@code %{ ... }%}) that Linux's scripts use
 * to check {@code struct tcp_info} after an event: {@code assert EXPR[, message]},
 * {@code NAME = EXPR}, {@code NAME += EXPR} (variables live for the script), and {@code print(...)}
 * (ignored), statements split by newlines or {@code ;} and joined by a backslash ending a line
 * ({@link #joinLines}), with integer expressions over {@code tcpi_*} fields, Linux's constants
 * ({@code TCP_CA_Recovery}, {@code TCP_INFINITE_SSTHRESH}, {@code TCPI_OPT_*}), {@code + - * // %
 * & |}, comparisons (chained as Python does), {@code and}, {@code or}, {@code not}. The fields come
 * from tapwire's {@link TcpInfo}, converted to Linux's units (cwnd, ssthresh, sacked and lost in
 * segments of the send MSS, times in microseconds). A field TcpInfo has no counterpart for, or any
 * other Python, makes the script unsupported, naming it; a false assert is a failure.
 */
final class PythonAsserts {
    private static final Map<String, Long> CONSTANTS = Map.ofEntries(
            Map.entry("TCP_CA_Open", 0L), Map.entry("TCP_CA_Disorder", 1L), Map.entry("TCP_CA_CWR", 2L),
            Map.entry("TCP_CA_Recovery", 3L), Map.entry("TCP_CA_Loss", 4L),
            Map.entry("TCP_INFINITE_SSTHRESH", 0x7fffffffL),
            Map.entry("TCPI_OPT_TIMESTAMPS", 1L), Map.entry("TCPI_OPT_SACK", 2L), Map.entry("TCPI_OPT_WSCALE", 4L),
            Map.entry("TCPI_OPT_ECN", 8L), Map.entry("TCPI_OPT_ECN_SEEN", 16L), Map.entry("TCPI_OPT_SYN_DATA", 32L),
            Map.entry("TCP_ESTABLISHED", 1L), Map.entry("TCP_SYN_SENT", 2L), Map.entry("TCP_SYN_RECV", 3L),
            Map.entry("TCP_FIN_WAIT1", 4L), Map.entry("TCP_FIN_WAIT2", 5L), Map.entry("TCP_TIME_WAIT", 6L),
            Map.entry("TCP_CLOSE", 7L), Map.entry("TCP_CLOSE_WAIT", 8L), Map.entry("TCP_LAST_ACK", 9L),
            Map.entry("TCP_LISTEN", 10L), Map.entry("TCP_CLOSING", 11L),
            Map.entry("True", 1L), Map.entry("False", 0L));

    private final Map<String, Long> variables = new HashMap<>();

    /**
     * TCPI_OPT_SYN_DATA for the socket of the current {@link #run}: the stack reports it from the
     * connection ({@code Tcb.fastOpenSynData()}), not in TcpInfo.
     */
    private boolean synData;
    /** The connection's send chronograph for the code block being run, or null. */
    private io.tapwire.tcp.TcpChrono.Stats chrono;

    /** Runs {@code code} (line {@code line}) against {@code info}; null {@code info} when no connection exists. */
    void run(String code, int line, TcpInfo info) {
        run(code, line, info, false);
    }

    /**
     * As {@link #run(String, int, TcpInfo)}, with {@code synData} for tcpi_options' TCPI_OPT_SYN_DATA
     * (Linux: the SYN's data was accepted by a Fast Open server, or acknowledged by the SYN-ACK on a client).
     */
    void run(String code, int line, TcpInfo info, boolean synData) {
        run(code, line, info, synData, null);
    }

    /**
     * As {@link #run(String, int, TcpInfo, boolean)}, with the connection's send chronograph for
     * tcpi_busy_time, tcpi_rwnd_limited and tcpi_sndbuf_limited (null: none).
     */
    void run(String code, int line, TcpInfo info, boolean synData, io.tapwire.tcp.TcpChrono.Stats chrono) {
        this.chrono = chrono;
        this.synData = synData;
        for (String raw : joinLines(code).split("[\n;]")) {
            String st = stripComment(raw).strip();
            if (st.isEmpty()) {
                continue;
            }
            if (st.startsWith("print(") && st.endsWith(")")) {
                continue;
            }
            if (st.startsWith("assert ")) {
                String body = st.substring(7);
                int comma = topLevelComma(body);
                String expr = comma < 0 ? body : body.substring(0, comma);
                long v = new Parser(expr, line, info).parse();
                if (v == 0) {
                    throw new ScriptFailure(line, "assert " + expr.strip() + " is false (" + describe(expr, line, info) + ")");
                }
                continue;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("([A-Za-z_]\\w*)\\s*([-+]?=)\\s*(.+)").matcher(st);
            if (m.matches() && !m.group(3).startsWith("=")) {
                String name = m.group(1);
                if (name.startsWith("tcpi_")) {
                    throw ScriptException.unsupported(line, "Python assignment to " + name);
                }
                long v = new Parser(m.group(3), line, info).parse();
                if (CONSTANTS.containsKey(name)) {
                    // A script may define a constant the drill already knows (packetdrill's Python
                    // has no TCP_INFINITE_SSTHRESH): the same value is a no-op, another unsupported.
                    if (!m.group(2).equals("=") || v != CONSTANTS.get(name)) {
                        throw ScriptException.unsupported(line, "Python assignment to " + name);
                    }
                    continue;
                }
                long old = 0;
                if (!m.group(2).equals("=")) {
                    Long o = variables.get(name);
                    if (o == null) {
                        throw ScriptException.syntax(line, "Python variable " + name + " used before it is set");
                    }
                    old = o;
                }
                variables.put(name, switch (m.group(2)) {
                    case "+=" -> old + v;
                    case "-=" -> old - v;
                    default -> v;
                });
                continue;
            }
            throw ScriptException.unsupported(line, "Python statement '" + st + "' in a code block");
        }
    }

    /**
     * Python's explicit line joining (the language reference, 2.1.5): a physical line ending in a
     * backslash that is not part of a string literal or a comment is joined with the next, the
     * backslash and the newline removed. A backslash inside a comment does not continue it, and
     * one inside a string is the string's (packetdrill's blocks carry none across lines). The pair
     * becomes a space: CPython's tokenizer keeps the tokens on either side apart.
     */
    static String joinLines(String code) {
        StringBuilder out = new StringBuilder(code.length());
        char quote = 0;
        boolean comment = false;
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '\n') {
                comment = false;
                quote = 0;   // a short string ends at its line (Python would report an error)
                out.append(c);
            } else if (comment) {
                out.append(c);
            } else if (quote != 0) {
                if (c == '\\' && i + 1 < code.length() && code.charAt(i + 1) != '\n') {
                    out.append(c).append(code.charAt(++i));   // an escape: the next character is the string's
                    continue;
                }
                if (c == quote) {
                    quote = 0;
                }
                out.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                out.append(c);
            } else if (c == '#') {
                comment = true;
                out.append(c);
            } else if (c == '\\' && lineEndsAfter(code, i + 1)) {
                int nl = code.indexOf('\n', i + 1);   // drop the backslash, any \r, and the newline
                i = nl < 0 ? code.length() : nl;
                out.append(' ');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * Whether only a newline (or \r\n) follows {@code from}, or nothing: the backslash before it
     * ends its physical line. A block's text ends where its {@code }%} starts, so a backslash on the
     * block's last code line (the {@code }%} on the next) is followed by nothing here.
     */
    private static boolean lineEndsAfter(String s, int from) {
        if (from < s.length() && s.charAt(from) == '\r') {
            from++;
        }
        return from == s.length() || s.charAt(from) == '\n';
    }

    /** The tcpi_* values the expression names, for the failure message. */
    private String describe(String expr, int line, TcpInfo info) {
        List<String> parts = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\btcpi_\\w+").matcher(expr);
        while (m.find()) {
            parts.add(m.group() + " = " + (chrono != null && info != null && m.group().matches("tcpi_(busy_time|rwnd_limited|sndbuf_limited)")
                    ? new Parser(m.group(), line, info).parse() : field(m.group(), line, info)));
        }
        return parts.isEmpty() ? "no tcpi fields" : String.join(", ", parts);
    }

    private static String stripComment(String s) {
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '#') {
                return s.substring(0, i);
            }
        }
        return s;
    }

    private static int topLevelComma(String s) {
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /** A {@code tcpi_*} field of {@code info} in Linux's units. */
    static long field(String name, int line, TcpInfo info) {
        if (info == null) {
            throw ScriptException.unsupported(line, name + " without a connected socket");
        }
        int mss = Math.max(1, info.sndMss());
        return switch (name) {
            case "tcpi_state" -> linuxState(info.state());
            case "tcpi_ca_state" -> switch (info.caState().name()) {
                case "OPEN" -> 0;
                case "DISORDER" -> 1;
                case "CWR" -> 2;
                case "RECOVERY" -> 3;
                case "LOSS" -> 4;
                default -> throw ScriptException.unsupported(line, "CA state " + info.caState() + " has no Linux number");
            };
            case "tcpi_snd_cwnd" -> info.cwnd() / mss;
            case "tcpi_snd_ssthresh" -> info.ssthresh() == Integer.MAX_VALUE ? 0x7fffffffL : info.ssthresh() / mss;
            case "tcpi_rtt" -> info.srttMicros();
            case "tcpi_rttvar" -> info.rttvarMicros();
            case "tcpi_rto" -> info.rtoMicros();
            case "tcpi_ato" -> info.atoMicros();
            case "tcpi_sacked" -> info.sacked() / mss;
            case "tcpi_lost" -> info.lost() / mss;
            case "tcpi_retransmits" -> info.retransmits();
            case "tcpi_total_retrans" -> info.totalRetransmits();
            case "tcpi_backoff" -> info.backoff();
            case "tcpi_snd_mss" -> info.sndMss();
            case "tcpi_advmss" -> info.advMss();
            case "tcpi_rcv_mss" -> info.rcvMss();
            case "tcpi_pmtu" -> info.pmtu();
            case "tcpi_snd_wscale" -> Math.max(0, info.sndWscale());
            case "tcpi_rcv_wscale" -> Math.max(0, info.rcvWscale());
            case "tcpi_options" -> (info.timestamps() ? 1 : 0) | (info.sack() ? 2 : 0) | (info.sndWscale() >= 0 ? 4 : 0)
                    | (info.ecn() ? 8 : 0) | optionBit(info, "ecnSeen", 16, line) | optionBit(info, "synData", 32, line);
            case "tcpi_bytes_acked" -> info.bytesAcked();
            case "tcpi_bytes_received" -> info.bytesReceived();
            case "tcpi_bytes_sent" -> info.bytesSent();
            case "tcpi_bytes_retrans" -> info.bytesRetrans();
            case "tcpi_segs_out" -> info.segsOut();
            case "tcpi_segs_in" -> info.segsIn();
            case "tcpi_data_segs_out" -> info.dataSegsOut();
            case "tcpi_data_segs_in" -> info.dataSegsIn();
            case "tcpi_min_rtt" -> info.minRttMicros();
            case "tcpi_delivery_rate" -> info.deliveryRateBytesPerSecond();
            case "tcpi_delivered" -> info.delivered();
            case "tcpi_delivered_ce" -> info.deliveredCe();
            case "tcpi_rcv_space" -> info.rcvSpace();
            case "tcpi_notsent_bytes" -> Math.max(0, info.sendQueue() - info.bytesInFlight());
            default -> component(name, line, info);
        };
    }

    /**
     * A TCPI_OPT_* bit tapwire's TcpInfo may not have: from its boolean component {@code name}
     * when it has one; else the bit reads as unknown, which an expression may not test (see
     * {@link #run}: the constant is refused then).
     */
    private static long optionBit(TcpInfo info, String name, long bit, int line) {
        for (java.lang.reflect.RecordComponent c : TcpInfo.class.getRecordComponents()) {
            if (c.getName().equals(name) && c.getType() == boolean.class) {
                try {
                    return (Boolean) c.getAccessor().invoke(info) ? bit : 0;
                } catch (ReflectiveOperationException e) {
                    throw ScriptException.unsupported(line, "TcpInfo." + name + ": " + e);
                }
            }
        }
        return 0;
    }

    /** Whether TcpInfo reports {@code name} (a boolean component). */
    private static boolean hasComponent(String name) {
        for (java.lang.reflect.RecordComponent c : TcpInfo.class.getRecordComponents()) {
            if (c.getName().equals(name) && c.getType() == boolean.class) {
                return true;
            }
        }
        return false;
    }

    /**
     * A field not mapped above: the {@link TcpInfo} component of the same name in camel case
     * ({@code tcpi_reordering} is {@code reordering()}, {@code tcpi_last_data_recv} is
     * {@code lastDataRecv()}), which holds the value in Linux's units by that naming contract, so a
     * field the stack adds later is checked without a change here.
     */
    private static long component(String name, int line, TcpInfo info) {
        String camel = LinuxSysctls.camel(name.substring("tcpi_".length()));
        for (java.lang.reflect.RecordComponent c : TcpInfo.class.getRecordComponents()) {
            if (c.getName().equals(camel)) {
                try {
                    Object v = c.getAccessor().invoke(info);
                    if (v instanceof Number n) {
                        return n.longValue();
                    }
                    if (v instanceof Boolean b) {
                        return b ? 1 : 0;
                    }
                } catch (ReflectiveOperationException e) {
                    throw ScriptException.unsupported(line, "TCP_INFO field " + name + ": " + e);
                }
            }
        }
        throw ScriptException.unsupported(line, "TCP_INFO field " + name + " (tapwire's TcpInfo has no counterpart)");
    }

    /** Linux's TCP_* state numbers (include/net/tcp_states.h). */
    static long linuxState(TcpState s) {
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

    /** A recursive-descent parser that evaluates as it goes. */
    private final class Parser {
        private final String s;
        private final int line;
        private final TcpInfo info;
        private int i;

        Parser(String s, int line, TcpInfo info) {
            this.s = s;
            this.line = line;
            this.info = info;
        }

        long parse() {
            long v = or();
            skip();
            if (i < s.length()) {
                throw ScriptException.unsupported(line, "Python expression '" + s.strip() + "'");
            }
            return v;
        }

        private long or() {
            long v = and();
            while (word("or")) {
                long r = and();
                v = (v != 0 || r != 0) ? 1 : 0;
            }
            return v;
        }

        private long and() {
            long v = not();
            while (word("and")) {
                long r = not();
                v = (v != 0 && r != 0) ? 1 : 0;
            }
            return v;
        }

        private long not() {
            if (word("not")) {
                return not() == 0 ? 1 : 0;
            }
            return comparison();
        }

        private long comparison() {
            long left = bitOr();
            boolean result = true;
            boolean any = false;
            while (true) {
                String op = compareOp();
                if (op == null) {
                    break;
                }
                any = true;
                long right = bitOr();
                result &= switch (op) {
                    case "==" -> left == right;
                    case "!=" -> left != right;
                    case "<=" -> left <= right;
                    case ">=" -> left >= right;
                    case "<" -> left < right;
                    default -> left > right;
                };
                left = right;
            }
            return any ? (result ? 1 : 0) : left;
        }

        private String compareOp() {
            skip();
            for (String op : new String[] {"==", "!=", "<=", ">=", "<", ">"}) {
                if (s.startsWith(op, i)) {
                    i += op.length();
                    return op;
                }
            }
            return null;
        }

        private long bitOr() {
            long v = bitAnd();
            while (symbol("|")) {
                v |= bitAnd();
            }
            return v;
        }

        private long bitAnd() {
            long v = sum();
            while (symbol("&")) {
                v &= sum();
            }
            return v;
        }

        private long sum() {
            long v = product();
            while (true) {
                if (symbol("+")) {
                    v += product();
                } else if (symbol("-")) {
                    v -= product();
                } else {
                    return v;
                }
            }
        }

        private long product() {
            long v = unary();
            while (true) {
                if (symbol("*")) {
                    v *= unary();
                } else if (symbol("//")) {
                    v = Math.floorDiv(v, nonZero(unary()));
                } else if (symbol("%")) {
                    v = Math.floorMod(v, nonZero(unary()));
                } else if (peek("/")) {
                    throw ScriptException.unsupported(line, "Python true division in '" + s.strip() + "'");
                } else {
                    return v;
                }
            }
        }

        private long nonZero(long v) {
            if (v == 0) {
                throw ScriptException.syntax(line, "division by zero in '" + s.strip() + "'");
            }
            return v;
        }

        private long unary() {
            if (symbol("-")) {
                return -unary();
            }
            if (symbol("(")) {
                long v = or();
                if (!symbol(")")) {
                    throw ScriptException.syntax(line, "expected ')' in '" + s.strip() + "'");
                }
                return v;
            }
            skip();
            int start = i;
            if (i < s.length() && Character.isDigit(s.charAt(i))) {
                while (i < s.length() && Character.isLetterOrDigit(s.charAt(i))) {
                    i++;
                }
                try {
                    return Cursor.parseInteger(s.substring(start, i));
                } catch (NumberFormatException e) {
                    throw ScriptException.unsupported(line, "Python number '" + s.substring(start, i) + "'");
                }
            }
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                i++;
            }
            String name = s.substring(start, i);
            if (name.isEmpty()) {
                throw ScriptException.unsupported(line, "Python expression '" + s.strip() + "'");
            }
            if (chrono != null && info != null && name.matches("tcpi_(busy_time|rwnd_limited|sndbuf_limited)")) {
                // Linux's tcp_get_info_chrono_stats, in microseconds.
                return switch (name) {
                    case "tcpi_busy_time" -> chrono.busyMicros();
                    case "tcpi_rwnd_limited" -> chrono.rwndLimitedMicros();
                    default -> chrono.sndbufLimitedMicros();
                };
            }
            if (name.startsWith("tcpi_")) {
                long v = field(name, line, info);
                return name.equals("tcpi_options") && synData ? v | 32 : v;
            }
            if (name.equals("TCPI_OPT_ECN_SEEN") && !hasComponent("ecnSeen")) {
                throw ScriptException.unsupported(line, name + " (tapwire's TcpInfo does not report it)");
            }
            Long c = CONSTANTS.get(name);
            if (c == null) {
                c = variables.get(name);
            }
            if (c == null) {
                throw ScriptException.unsupported(line, "Python name " + name);
            }
            return c;
        }

        private boolean word(String w) {
            skip();
            if (s.startsWith(w, i) && (i + w.length() == s.length() || !Character.isLetterOrDigit(s.charAt(i + w.length())))) {
                i += w.length();
                return true;
            }
            return false;
        }

        private boolean peek(String t) {
            skip();
            return s.startsWith(t, i);
        }

        private boolean symbol(String t) {
            skip();
            if (s.startsWith(t, i) && !(t.equals("|") && s.startsWith("||", i)) && !(t.equals("/") && s.startsWith("//", i))) {
                i += t.length();
                return true;
            }
            return false;
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }
    }
}
