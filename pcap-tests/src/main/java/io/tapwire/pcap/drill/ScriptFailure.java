package io.tapwire.pcap.drill;

/** The stack did not do what the script says at {@link #line()}; the message is the first difference. */
final class ScriptFailure extends RuntimeException {
    private final int line;

    ScriptFailure(int line, String message) {
        super(message);
        this.line = line;
    }

    int line() {
        return line;
    }
}
