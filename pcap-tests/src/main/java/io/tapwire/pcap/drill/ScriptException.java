package io.tapwire.pcap.drill;

/**
 * A script the interpreter cannot run: malformed ({@link Kind#SYNTAX}) or using a part of the
 * packetdrill language or the socket API that tapwire's interpreter does not support
 * ({@link Kind#UNSUPPORTED}; such a script is reported as skipped, never as passed).
 */
public final class ScriptException extends RuntimeException {
    public enum Kind { SYNTAX, UNSUPPORTED }

    private final Kind kind;
    private final int line;

    public ScriptException(Kind kind, int line, String message) {
        super(message);
        this.kind = kind;
        this.line = line;
    }

    static ScriptException syntax(int line, String message) {
        return new ScriptException(Kind.SYNTAX, line, message);
    }

    static ScriptException unsupported(int line, String message) {
        return new ScriptException(Kind.UNSUPPORTED, line, message);
    }

    public Kind kind() {
        return kind;
    }

    public int line() {
        return line;
    }
}
