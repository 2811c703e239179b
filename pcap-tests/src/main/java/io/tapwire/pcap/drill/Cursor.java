package io.tapwire.pcap.drill;

/** A position in one statement's text, with the small scanning steps the script parser needs. */
final class Cursor {
    private final String s;
    private final int line;
    private int i;

    Cursor(String s, int line) {
        this.s = s;
        this.line = line;
    }

    int line() {
        return line;
    }

    void skipSpace() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
    }

    boolean atEnd() {
        skipSpace();
        return i >= s.length();
    }

    /** The next character after spaces, or 0 at the end. */
    char peek() {
        skipSpace();
        return i < s.length() ? s.charAt(i) : 0;
    }

    /** The character right at the position (no space skipping), or 0. */
    char peekRaw() {
        return i < s.length() ? s.charAt(i) : 0;
    }

    boolean startsWith(String token) {
        skipSpace();
        return s.startsWith(token, i);
    }

    /** Consumes {@code token} if it comes next (after spaces). */
    boolean accept(String token) {
        if (startsWith(token)) {
            i += token.length();
            return true;
        }
        return false;
    }

    /** Consumes the word {@code word} if it comes next as a whole word. */
    boolean acceptWord(String word) {
        skipSpace();
        if (s.startsWith(word, i) && (i + word.length() == s.length() || !isWordChar(s.charAt(i + word.length())))) {
            i += word.length();
            return true;
        }
        return false;
    }

    void expect(String token) {
        if (!accept(token)) {
            throw error("expected '" + token + "'");
        }
    }

    /** A word: letters, digits and underscores, starting with a letter or underscore. */
    String word() {
        skipSpace();
        int start = i;
        if (i < s.length() && (Character.isLetter(s.charAt(i)) || s.charAt(i) == '_')) {
            while (i < s.length() && isWordChar(s.charAt(i))) {
                i++;
            }
        }
        if (start == i) {
            throw error("expected a name");
        }
        return s.substring(start, i);
    }

    boolean atWord() {
        char c = peek();
        return Character.isLetter(c) || c == '_';
    }

    boolean atNumber() {
        char c = peek();
        return Character.isDigit(c) || (c == '-' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)));
    }

    /** An integer in decimal or {@code 0x} hex, optionally negative; returns its text. */
    String integerText() {
        skipSpace();
        int start = i;
        if (i < s.length() && s.charAt(i) == '-') {
            i++;
        }
        if (s.startsWith("0x", i) || s.startsWith("0X", i)) {
            i += 2;
            while (i < s.length() && Character.digit(s.charAt(i), 16) >= 0) {
                i++;
            }
        } else {
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
        }
        String t = s.substring(start, i);
        if (t.isEmpty() || t.equals("-") || t.endsWith("x") || t.endsWith("X")) {
            throw error("expected a number");
        }
        return t;
    }

    long integer() {
        return integerValue(integerText());
    }

    /** The value of {@code t} (from {@link #integerText()}); one beyond 64 bits is a syntax error, not an exception. */
    long integerValue(String t) {
        try {
            return parseInteger(t);
        } catch (NumberFormatException e) {
            throw error("number " + t + " out of range (a 64-bit integer)");
        }
    }

    static long parseInteger(String t) {
        boolean negative = t.startsWith("-");
        String digits = negative ? t.substring(1) : t;
        long v = digits.startsWith("0x") || digits.startsWith("0X") ? Long.parseLong(digits.substring(2), 16) : Long.parseLong(digits);
        return negative ? -v : v;
    }

    /** A time in seconds ({@code 1}, {@code 0.1}, {@code .25}) as microseconds. */
    long seconds() {
        skipSpace();
        int start = i;
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
            if (s.startsWith("...", i)) {
                break;
            }
            i++;
        }
        String t = s.substring(start, i);
        if (t.isEmpty() || t.chars().filter(c -> c == '.').count() > 1) {
            throw error("expected a time in seconds");
        }
        try {
            return new java.math.BigDecimal(t.startsWith(".") ? "0" + t : t).movePointRight(6).setScale(0, java.math.RoundingMode.HALF_UP)
                    .longValueExact();
        } catch (ArithmeticException e) {
            // A time beyond 2^63 microseconds: a script error, not an exception out of the parser.
            throw error("time " + t + " s out of range");
        }
    }

    /** Everything up to (not including) {@code end}; consumes {@code end} too. */
    String until(String end) {
        int at = s.indexOf(end, i);
        if (at < 0) {
            throw error("expected '" + end + "'");
        }
        String t = s.substring(i, at);
        i = at + end.length();
        return t;
    }

    /** The text from here (after spaces) to the end, not consumed. */
    String remaining() {
        skipSpace();
        return s.substring(i);
    }

    String rest() {
        skipSpace();
        String t = s.substring(i);
        i = s.length();
        return t;
    }

    /** Hex digits from here (after spaces), up to the first other character; "" when none (e.g. a Fast Open cookie). */
    String hexDigits() {
        skipSpace();
        int start = i;
        while (i < s.length() && Character.digit(s.charAt(i), 16) >= 0) {
            i++;
        }
        if (i < s.length() && isWordChar(s.charAt(i))) {
            i = start;   // a word such as TFO_COOKIE, not a hex string
            return "";
        }
        return s.substring(start, i);
    }

    ScriptException error(String message) {
        skipSpace();
        String near = i < s.length() ? s.substring(i, Math.min(s.length(), i + 24)) : "end of line";
        return ScriptException.syntax(line, message + " at '" + near + "'");
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
