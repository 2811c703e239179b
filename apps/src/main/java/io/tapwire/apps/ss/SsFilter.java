package io.tapwire.apps.ss;

import io.tapwire.apps.control.SocketRow;
import io.tapwire.wire.Ipv4Address;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * ss's filter language (iproute2's {@code ss(8)}, FILTER := [ state STATE-FILTER ] [ EXPRESSION ]):
 * {@code state}/{@code exclude} with the state names and groups ({@code all}, {@code connected},
 * {@code synchronized}, {@code bucket}, {@code big}), then an expression of {@code src}/{@code dst}
 * PREFIX[:PORT], {@code sport}/{@code dport} OP PORT (OP one of {@code = == eq != ne neq < lt > gt
 * <= le >= ge}), joined by {@code and}/{@code or}/{@code not} (also {@code && || !}), adjacent
 * conditions meaning {@code and}, with parentheses.
 */
final class SsFilter {
    /** ss's socket states (its SS_* order). */
    enum State {
        ESTABLISHED("established", "ESTAB"), SYN_SENT("syn-sent", "SYN-SENT"), SYN_RECV("syn-recv", "SYN-RECV"),
        FIN_WAIT_1("fin-wait-1", "FIN-WAIT-1"), FIN_WAIT_2("fin-wait-2", "FIN-WAIT-2"), TIME_WAIT("time-wait", "TIME-WAIT"),
        CLOSE("unconnected", "UNCONN"), CLOSE_WAIT("close-wait", "CLOSE-WAIT"), LAST_ACK("last-ack", "LAST-ACK"),
        LISTEN("listening", "LISTEN"), CLOSING("closing", "CLOSING");

        final String filterName;
        final String shown;

        State(String filterName, String shown) {
            this.filterName = filterName;
            this.shown = shown;
        }

        static State ofShown(String shown) {
            for (State s : values()) {
                if (s.shown.equals(shown)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown socket state " + shown);
        }
    }

    /** ss's default: connected sockets other than TIME-WAIT and SYN-RECV (SS_CONN). */
    static final Set<State> CONNECTED_DEFAULT = EnumSet.complementOf(EnumSet.of(State.LISTEN, State.CLOSE, State.TIME_WAIT,
            State.SYN_RECV));

    private final Set<State> states;
    private final Predicate<SocketRow> expression;

    private SsFilter(Set<State> states, Predicate<SocketRow> expression) {
        this.states = states;
        this.expression = expression;
    }

    /** Parses the words after the options; {@code base} is the state set the flags chose (-a, -l or the default). */
    static SsFilter parse(List<String> words, Set<State> base) {
        List<String> tokens = tokenize(words);
        Parser p = new Parser(tokens);
        EnumSet<State> chosen = null;
        EnumSet<State> excluded = EnumSet.noneOf(State.class);
        while (p.peekIs("state") || p.peekIs("exclude") || p.peekIs("excl")) {
            boolean exclude = !p.next().equals("state");
            Set<State> s = states(p.expectWord("a state after 'state'/'exclude'"));
            if (exclude) {
                excluded.addAll(s);
            } else {
                if (chosen == null) {
                    chosen = EnumSet.noneOf(State.class);
                }
                chosen.addAll(s);
            }
        }
        EnumSet<State> result = chosen != null ? chosen : (base.isEmpty() ? EnumSet.noneOf(State.class) : EnumSet.copyOf(base));
        result.removeAll(excluded);
        Predicate<SocketRow> expr = p.atEnd() ? r -> true : p.or();
        if (!p.atEnd()) {
            throw new IllegalArgumentException("unexpected '" + p.peek() + "' in filter");
        }
        return new SsFilter(result, expr);
    }

    boolean test(SocketRow row) {
        return states.contains(State.ofShown(row.state())) && expression.test(row);
    }

    /** A state name or group, as ss spells them. */
    static Set<State> states(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        switch (n) {
            case "all":
                return EnumSet.allOf(State.class);
            case "connected":
                return EnumSet.complementOf(EnumSet.of(State.LISTEN, State.CLOSE));
            case "synchronized":
                return EnumSet.complementOf(EnumSet.of(State.LISTEN, State.CLOSE, State.SYN_SENT));
            case "bucket":
                return EnumSet.of(State.SYN_RECV, State.TIME_WAIT);
            case "big":
                return EnumSet.complementOf(EnumSet.of(State.SYN_RECV, State.TIME_WAIT));
            case "closed":
            case "close":
                return EnumSet.of(State.CLOSE);
            case "listen":
                return EnumSet.of(State.LISTEN);
            default:
                for (State s : State.values()) {
                    if (s.filterName.equals(n) || s.shown.equalsIgnoreCase(n)) {
                        return EnumSet.of(s);
                    }
                }
                throw new IllegalArgumentException("wrong state name: " + name + " (established, syn-sent, syn-recv, fin-wait-1, "
                        + "fin-wait-2, time-wait, closed, close-wait, last-ack, listening, closing, all, connected, synchronized, "
                        + "bucket, big)");
        }
    }

    /** Splits words further at parentheses, so "(dport" and "= :80)" lex as ss's lexer does. */
    static List<String> tokenize(List<String> words) {
        List<String> out = new ArrayList<>();
        for (String w : words) {
            StringBuilder cur = new StringBuilder();
            for (int i = 0; i < w.length(); i++) {
                char c = w.charAt(i);
                if (c == '(' || c == ')') {
                    if (cur.length() > 0) {
                        out.add(cur.toString());
                        cur.setLength(0);
                    }
                    out.add(String.valueOf(c));
                } else if (Character.isWhitespace(c)) {
                    if (cur.length() > 0) {
                        out.add(cur.toString());
                        cur.setLength(0);
                    }
                } else {
                    cur.append(c);
                }
            }
            if (cur.length() > 0) {
                out.add(cur.toString());
            }
        }
        return out;
    }

    private static final class Parser {
        private final List<String> tokens;
        private int at;

        Parser(List<String> tokens) {
            this.tokens = tokens;
        }

        boolean atEnd() {
            return at >= tokens.size();
        }

        String peek() {
            return atEnd() ? null : tokens.get(at);
        }

        boolean peekIs(String s) {
            return s.equalsIgnoreCase(peek());
        }

        String next() {
            if (atEnd()) {
                throw new IllegalArgumentException("filter ends too early");
            }
            return tokens.get(at++);
        }

        String expectWord(String what) {
            if (atEnd()) {
                throw new IllegalArgumentException("filter ends where " + what + " was expected");
            }
            return next();
        }

        Predicate<SocketRow> or() {
            Predicate<SocketRow> left = and();
            while (peekIs("or") || peekIs("||") || peekIs("|")) {
                next();
                left = left.or(and());
            }
            return left;
        }

        Predicate<SocketRow> and() {
            Predicate<SocketRow> left = unary();
            while (!atEnd() && !peekIs(")") && !peekIs("or") && !peekIs("||") && !peekIs("|")) {
                if (peekIs("and") || peekIs("&&") || peekIs("&")) {
                    next();
                }
                left = left.and(unary());
            }
            return left;
        }

        Predicate<SocketRow> unary() {
            if (peekIs("not") || peekIs("!")) {
                next();
                return unary().negate();
            }
            if (peekIs("(")) {
                next();
                Predicate<SocketRow> inner = or();
                if (!peekIs(")")) {
                    throw new IllegalArgumentException("missing ')' in filter");
                }
                next();
                return inner;
            }
            String word = expectWord("a condition (src, dst, sport, dport)").toLowerCase(Locale.ROOT);
            switch (word) {
                case "src":
                case "dst": {
                    boolean negate = false;
                    if (isEq(peek())) {
                        next();
                    } else if (isNe(peek())) {
                        next();
                        negate = true;
                    }
                    Predicate<SocketRow> host = host(word.equals("src"), expectWord("an address after " + word));
                    return negate ? host.negate() : host;
                }
                case "sport":
                case "dport": {
                    String op = "==";
                    if (isOp(peek())) {
                        op = next();
                    }
                    int port = port(expectWord("a port after " + word));
                    boolean local = word.equals("sport");
                    String o = op;
                    return r -> compare(local ? r.localPort() : r.peerPort(), o, port);
                }
                case "autobound":
                    return r -> false;
                default:
                    throw new IllegalArgumentException("unknown filter condition '" + word + "' (src, dst, sport, dport, state, "
                            + "exclude, and, or, not, parentheses)");
            }
        }
    }

    private static boolean isEq(String t) {
        return t != null && (t.equals("=") || t.equals("==") || t.equalsIgnoreCase("eq"));
    }

    private static boolean isNe(String t) {
        return t != null && (t.equals("!=") || t.equalsIgnoreCase("ne") || t.equalsIgnoreCase("neq"));
    }

    private static boolean isOp(String t) {
        if (t == null) {
            return false;
        }
        return isEq(t) || isNe(t) || switch (t.toLowerCase(Locale.ROOT)) {
            case "<", "lt", ">", "gt", "<=", "le", ">=", "ge" -> true;
            default -> false;
        };
    }

    private static boolean compare(int value, String op, int port) {
        if (isEq(op)) {
            return value == port;
        }
        if (isNe(op)) {
            return value != port;
        }
        return switch (op.toLowerCase(Locale.ROOT)) {
            case "<", "lt" -> value < port;
            case ">", "gt" -> value > port;
            case "<=", "le" -> value <= port;
            default -> value >= port;
        };
    }

    /** ":80", "80", ":http", "*:80". */
    static int port(String text) {
        String t = text;
        int colon = t.lastIndexOf(':');
        if (colon >= 0) {
            t = t.substring(colon + 1);
        }
        if (t.isEmpty() || t.equals("*")) {
            throw new IllegalArgumentException("no port in '" + text + "'");
        }
        try {
            int p = Integer.parseInt(t);
            if (p < 0 || p > 65535) {
                throw new IllegalArgumentException("port out of range: " + text);
            }
            return p;
        } catch (NumberFormatException e) {
            Integer p = Services.port(t);
            if (p == null) {
                throw new IllegalArgumentException("unknown port or service '" + text + "'");
            }
            return p;
        }
    }

    /**
     * PREFIX[:PORT]: an address, a network "10.0.0.0/24", "*" or "0.0.0.0/0", with or without a
     * port; an IPv6 address or network in brackets, "[fd00::2]:80", "[fd00::/64]", as ss takes them.
     */
    private static Predicate<SocketRow> host(boolean local, String text) {
        if (text.startsWith("[")) {
            return host6(local, text);
        }
        String addr = text;
        Integer port = null;
        int colon = text.lastIndexOf(':');
        if (colon >= 0) {
            addr = text.substring(0, colon);
            String p = text.substring(colon + 1);
            if (!p.equals("*") && !p.isEmpty()) {
                port = port(p);
            }
        }
        int prefix = 32;
        int slash = addr.indexOf('/');
        if (slash >= 0) {
            prefix = Integer.parseInt(addr.substring(slash + 1));
            addr = addr.substring(0, slash);
        }
        int network;
        if (addr.isEmpty() || addr.equals("*")) {
            network = 0;
            prefix = 0;
        } else {
            try {
                network = Ipv4Address.parse(addr);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not an IPv4 address or prefix: '" + text + "'");
            }
        }
        int mask = Ipv4Address.mask(prefix);
        int net = network & mask;
        Integer wantedPort = port;
        boolean any = prefix == 0;
        return r -> {
            int a = local ? r.localAddress() : r.peerAddress();
            int p = local ? r.localPort() : r.peerPort();
            // An IPv4 prefix matches no IPv6 socket ("*" matches every socket).
            return (any || !r.ipv6()) && (a & mask) == net && (wantedPort == null || p == wantedPort);
        };
    }

    /** "[ADDRESS[/PREFIX]][:PORT]": an IPv6 address or network, matching IPv6 sockets only. */
    private static Predicate<SocketRow> host6(boolean local, String text) {
        int close = text.indexOf(']');
        if (close < 0) {
            throw new IllegalArgumentException("no ']' in '" + text + "'");
        }
        String addr = text.substring(1, close);
        String rest = text.substring(close + 1);
        Integer port = null;
        if (rest.startsWith(":") && rest.length() > 1 && !rest.equals(":*")) {
            port = port(rest.substring(1));
        } else if (!rest.isEmpty() && !rest.equals(":*")) {
            throw new IllegalArgumentException("not an IPv6 address and port: '" + text + "'");
        }
        int prefix = 128;
        int slash = addr.indexOf('/');
        if (slash >= 0) {
            prefix = Integer.parseInt(addr.substring(slash + 1));
            addr = addr.substring(0, slash);
        }
        io.tapwire.wire.Ipv6Address network;
        try {
            network = io.tapwire.wire.Ipv6Address.parse(addr);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IPv6 address or prefix: '" + text + "'");
        }
        int bits = prefix;
        Integer wantedPort = port;
        return r -> {
            io.tapwire.wire.Ipv6Address a = local ? r.local6() : r.peer6();
            int p = local ? r.localPort() : r.peerPort();
            return a != null && io.tapwire.wire.Ipv6Address.samePrefix(a.hi(), a.lo(), network.hi(), network.lo(), bits)
                    && (wantedPort == null || p == wantedPort);
        };
    }
}
