package io.tapwire.pcap.drill;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * Turns script text into statements: resolves {@code #ifdef NAME} / {@code #ifndef} / {@code #else}
 * / {@code #endif} against a set of defined names (the FreeBSD suite guards its RFC-standard and its
 * FreeBSD-specific expectations with {@code STANDARD} and {@code FreeBSD}), removes {@code //} and
 * {@code /* *}{@code /} comments outside backquotes, quotes and {@code %{ }%} blocks, and joins lines
 * while brackets are open, so each statement keeps the number of the line it starts on.
 */
final class Preprocessor {
    /** One statement and the 1-based line it starts on. */
    record Statement(int line, String text) {
    }

    private Preprocessor() {
    }

    static List<Statement> statements(String source, Set<String> defines) {
        String[] lines = source.split("\r?\n", -1);
        List<Statement> out = new ArrayList<>();
        Deque<Boolean> active = new ArrayDeque<>();
        boolean inBlockComment = false;
        StringBuilder pending = null;
        int pendingLine = 0;
        for (int n = 0; n < lines.length; n++) {
            int lineNo = n + 1;
            String raw = lines[n];
            if (!inBlockComment && pending == null && raw.stripLeading().startsWith("#")) {
                directive(raw.strip(), lineNo, active, defines);
                continue;
            }
            if (active.contains(Boolean.FALSE)) {
                continue;
            }
            StringBuilder text = new StringBuilder();
            inBlockComment = stripComments(raw, text, inBlockComment);
            String t = text.toString();
            if (pending == null) {
                if (t.isBlank()) {
                    continue;
                }
                pending = new StringBuilder(t.strip());
                pendingLine = lineNo;
            } else {
                // A newline, not a space: a backquoted shell line or a code block keeps its lines.
                pending.append('\n').append(t.strip());
            }
            if (balanced(pending)) {
                out.add(new Statement(pendingLine, pending.toString()));
                pending = null;
            }
        }
        if (!active.isEmpty()) {
            throw ScriptException.syntax(lines.length, "#ifdef without #endif");
        }
        if (pending != null) {
            throw ScriptException.syntax(pendingLine, "unterminated statement (unbalanced brackets or quotes)");
        }
        return out;
    }

    private static void directive(String d, int line, Deque<Boolean> active, Set<String> defines) {
        String[] parts = d.substring(1).strip().split("\\s+");
        switch (parts[0]) {
            case "ifdef", "ifndef" -> {
                if (parts.length != 2) {
                    throw ScriptException.syntax(line, "#" + parts[0] + " needs one name");
                }
                boolean defined = defines.contains(parts[1]);
                active.push(parts[0].equals("ifdef") == defined);
            }
            case "else" -> {
                if (active.isEmpty()) {
                    throw ScriptException.syntax(line, "#else without #ifdef");
                }
                active.push(!active.pop());
            }
            case "endif" -> {
                if (active.isEmpty()) {
                    throw ScriptException.syntax(line, "#endif without #ifdef");
                }
                active.pop();
            }
            default -> throw ScriptException.unsupported(line, "preprocessor directive #" + parts[0]);
        }
    }

    /** Appends {@code raw} without comments to {@code out}; returns whether a block comment is still open. */
    private static boolean stripComments(String raw, StringBuilder out, boolean inBlock) {
        char quote = 0;
        boolean inCode = false;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            char next = i + 1 < raw.length() ? raw.charAt(i + 1) : 0;
            if (inBlock) {
                if (c == '*' && next == '/') {
                    inBlock = false;
                    i++;
                }
                continue;
            }
            if (inCode) {
                out.append(c);
                if (c == '}' && next == '%') {
                    out.append(next);
                    i++;
                    inCode = false;
                }
                continue;
            }
            if (quote != 0) {
                out.append(c);
                if (c == '\\' && next != 0) {
                    out.append(next);
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '/' && next == '/') {
                break;
            }
            if (c == '/' && next == '*') {
                inBlock = true;
                i++;
                continue;
            }
            if (c == '`' || c == '"') {
                quote = c;
            } else if (c == '%' && next == '{') {
                inCode = true;
                out.append(c).append(next);
                i++;
                continue;
            }
            out.append(c);
        }
        return inBlock;
    }

    /** True when brackets, quotes and code blocks opened in {@code s} are closed. */
    private static boolean balanced(CharSequence s) {
        int depth = 0;
        char quote = 0;
        boolean inCode = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            char next = i + 1 < s.length() ? s.charAt(i + 1) : 0;
            if (inCode) {
                if (c == '}' && next == '%') {
                    inCode = false;
                    i++;
                }
            } else if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '`' || c == '"') {
                quote = c;
            } else if (c == '%' && next == '{') {
                inCode = true;
                i++;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            }
        }
        return depth <= 0 && quote == 0 && !inCode;
    }
}
