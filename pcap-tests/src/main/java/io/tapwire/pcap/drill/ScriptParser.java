package io.tapwire.pcap.drill;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses the packetdrill dialect of the FreeBSD TCP test suite: option lines ({@code --name=value}),
 * then events, each a time and an action — a TCP segment ({@code <} injected, {@code >} expected),
 * a system call with its expected result, a backquoted shell line or a {@code %{ }%} code block.
 * Parts of packetdrill's language outside TCP over IP (UDP, SCTP, ICMP, IP options, blocking-call
 * time ranges {@code a...b}) are reported as {@link ScriptException.Kind#UNSUPPORTED}.
 */
public final class ScriptParser {
    /** A packet's fuzzing annotation: {@code { OP LAYER FIELD... ; ... }} with OP mut, trun, ins or rep. */
    private static final java.util.regex.Pattern FUZZ_ANNOTATION =
            java.util.regex.Pattern.compile("\\{\\s*(mut|trun|ins|rep)\\s+(ipv4|ipv6|tcp)\\b[^{}]*\\}\\s*");

    private ScriptParser() {
    }

    public static Script parse(String name, String source, Set<String> defines) {
        List<Preprocessor.Statement> statements = Preprocessor.statements(source, defines);
        Map<String, String> options = new LinkedHashMap<>();
        List<Script.Event> events = new ArrayList<>();
        for (Preprocessor.Statement st : statements) {
            String text = st.text();
            if (text.startsWith("--")) {
                if (!events.isEmpty()) {
                    throw ScriptException.syntax(st.line(), "option lines must come before the first event");
                }
                for (String opt : text.split("\\s+")) {
                    if (!opt.startsWith("--") || opt.length() < 3) {
                        throw ScriptException.syntax(st.line(), "malformed option '" + opt + "'");
                    }
                    int eq = opt.indexOf('=');
                    options.put(eq < 0 ? opt.substring(2) : opt.substring(2, eq), eq < 0 ? null : opt.substring(eq + 1));
                }
                continue;
            }
            events.add(event(new Cursor(text, st.line())));
        }
        if (events.isEmpty()) {
            throw ScriptException.syntax(1, "the script has no events");
        }
        return new Script(name, options, events);
    }

    private static Script.Event event(Cursor c) {
        // Linux's scripts start with a shell line without a time: packetdrill runs it at once (+0).
        EventTime time = c.startsWith("`") ? EventTime.relative(0) : time(c);
        boolean blocking = false;
        if (c.accept("...")) {
            // A blocking system call, start...end: it must return at the end time (packetdrill's
            // time ranges of blocking calls; the end counts from the same point as the start).
            if (time.isRange() || time.kind() == EventTime.Kind.ANY) {
                throw ScriptException.syntax(c.line(), "a blocking call's start...end needs a plain start time");
            }
            long end = c.seconds();
            time = range(c, time.kind() == EventTime.Kind.ABSOLUTE ? EventTime.Kind.ABSOLUTE_RANGE : EventTime.Kind.RELATIVE_RANGE,
                    time.startMicros(), end);
            blocking = true;
        }
        Script.Action action;
        char first = c.peek();
        if (first == '<' || first == '>') {
            c.accept(String.valueOf(first));
            IpSpec ip = IpSpec.parse(c);
            if (first == '<' && ip.isNone() && IcmpLine.at(c)) {
                action = IcmpLine.parse(c);
            } else {
                action = new Script.Packet(first == '<', SegmentParser.tcp(c, first == '<'), ip);
            }
        } else if (first == '`') {
            c.accept("`");
            action = new Script.Command(c.until("`").strip());
        } else if (c.startsWith("%{")) {
            c.accept("%{");
            action = new Script.Code(c.until("}%").strip());
        } else if (c.atWord()) {
            action = syscall(c);
        } else {
            throw c.error("expected a packet, a system call, a `command` or %{ code }%");
        }
        if (action instanceof Script.Packet && FUZZ_ANNOTATION.matcher(c.remaining()).matches()) {
            // packetdrill's packet-fuzzing annotations ({ mut tcp mss }, { rep ipv4 protocol 0x02 },
            // trun, ins): a fuzzer alters the packet's fields; the runner does no fuzzing.
            throw ScriptException.unsupported(c.line(), "packet-fuzzing annotation '" + c.rest()
                    + "': the runner does no packet fuzzing (packetdrill's fuzzing extension)");
        }
        if (!c.atEnd()) {
            throw c.error("unexpected text after the event");
        }
        if (blocking && !(action instanceof Script.Syscall)) {
            throw ScriptException.syntax(c.line(), "start...end times are for blocking system calls");
        }
        if ((time.kind() == EventTime.Kind.ANY || time.isRange()) && !blocking
                && !(action instanceof Script.Packet p && !p.inbound())) {
            throw ScriptException.syntax(c.line(), "'*' and time ranges can only be used with outbound (>) packets");
        }
        return new Script.Event(c.line(), time, action);
    }

    private static EventTime time(Cursor c) {
        if (c.accept("*")) {
            return EventTime.any();
        }
        if (c.accept("+")) {
            long start = c.seconds();
            if (c.accept("~")) {
                c.expect("+");
                return range(c, EventTime.Kind.RELATIVE_RANGE, start, c.seconds());
            }
            return EventTime.relative(start);
        }
        if (!Character.isDigit(c.peek()) && c.peek() != '.') {
            throw c.error("expected an event time");
        }
        long start = c.seconds();
        if (c.accept("~")) {
            return range(c, EventTime.Kind.ABSOLUTE_RANGE, start, c.seconds());
        }
        return EventTime.absolute(start);
    }

    private static EventTime range(Cursor c, EventTime.Kind kind, long start, long end) {
        if (end < start) {
            throw ScriptException.syntax(c.line(), "time range is backwards");
        }
        return new EventTime(kind, start, end);
    }

    // ------------------------------------------------------------------ system calls

    private static Script.Syscall syscall(Cursor c) {
        String name = c.word();
        c.expect("(");
        List<Expr> args = new ArrayList<>();
        if (!c.accept(")")) {
            do {
                args.add(expr(c));
            } while (c.accept(","));
            c.expect(")");
        }
        c.expect("=");
        Expr result = expr(c);
        String errno = null;
        if (c.atWord()) {
            errno = c.word();
        }
        if (c.accept("(")) {
            // The human-readable note, e.g. (Operation now in progress) or (flags O_RDWR).
            String rest = c.rest();
            int depth = 1;
            int i = 0;
            for (; i < rest.length() && depth > 0; i++) {
                if (rest.charAt(i) == '(') {
                    depth++;
                } else if (rest.charAt(i) == ')') {
                    depth--;
                }
            }
            if (depth > 0) {
                throw ScriptException.syntax(c.line(), "unterminated note '(" + rest + "'");
            }
            if (!rest.substring(i).isBlank()) {
                throw ScriptException.syntax(c.line(), "unexpected text after the note: '" + rest.substring(i).strip() + "'");
            }
        }
        return new Script.Syscall(name, List.copyOf(args), result, errno);
    }

    private static Expr expr(Cursor c) {
        Expr e = term(c);
        while (c.accept("|")) {
            e = new Expr.Or(e, term(c));
        }
        return e;
    }

    private static Expr term(Cursor c) {
        if (c.accept("...")) {
            return new Expr.Ellipsis();
        }
        if (c.atNumber()) {
            String t = c.integerText();
            return new Expr.Int(c.integerValue(t), t);
        }
        if (c.accept("\"")) {
            return new Expr.Str(c.until("\""));
        }
        if (c.accept("[")) {
            List<Expr> items = new ArrayList<>();
            if (!c.accept("]")) {
                do {
                    items.add(expr(c));
                } while (c.accept(","));
                c.expect("]");
            }
            return new Expr.Array(items);
        }
        if (c.accept("{")) {
            List<Expr.Field> fields = new ArrayList<>();
            if (!c.accept("}")) {
                do {
                    fields.add(field(c));
                } while (c.accept(","));
                c.expect("}");
            }
            return new Expr.Struct(fields);
        }
        if (c.atWord()) {
            String w = c.word();
            if (c.accept("(")) {
                List<Expr> args = new ArrayList<>();
                if (!c.accept(")")) {
                    do {
                        args.add(expr(c));
                    } while (c.accept(","));
                    c.expect(")");
                }
                return new Expr.Call(w, args);
            }
            return new Expr.Symbol(w);
        }
        throw c.error("expected an expression");
    }

    private static Expr.Field field(Cursor c) {
        if (c.atWord()) {
            String w = c.word();
            if (c.accept("=")) {
                return new Expr.Field(w, expr(c));
            }
            // A bare name (a symbol value) or the start of a call.
            Expr value = c.accept("(") ? callRest(c, w) : new Expr.Symbol(w);
            if (value instanceof Expr.Call && c.accept("=")) {
                // Linux's msghdr fields: msg_iov(1)=[...], msg_name(...)=... (the count is implied by the value).
                return new Expr.Field(w, expr(c));
            }
            while (c.accept("|")) {
                value = new Expr.Or(value, term(c));
            }
            return new Expr.Field(null, value);
        }
        return new Expr.Field(null, expr(c));
    }

    private static Expr callRest(Cursor c, String function) {
        List<Expr> args = new ArrayList<>();
        if (!c.accept(")")) {
            do {
                args.add(expr(c));
            } while (c.accept(","));
            c.expect(")");
        }
        return new Expr.Call(function, args);
    }
}
