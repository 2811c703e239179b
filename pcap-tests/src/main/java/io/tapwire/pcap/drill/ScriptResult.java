package io.tapwire.pcap.drill;

import java.util.List;

/**
 * How one script went.
 *
 * @param name      the script as reports name it
 * @param status    passed, failed, or skipped (IPv6, or a construct the interpreter does not support)
 * @param line      the line of the first difference (or of the unsupported construct); 0 when none
 * @param message   the first difference, first line a one-line summary, further lines detail
 * @param notes     what the interpreter noted on the way (ignored sysctls and options, skipped frames)
 * @param tolerated differences tolerated by design (socket buffer sizes)
 * @param trace     the events and segments of the run, in order, with their virtual times
 */
public record ScriptResult(String name, Status status, int line, String message, List<String> notes, List<String> tolerated,
                           List<String> trace) {
    public enum Status { PASSED, FAILED, SKIPPED_IPV6, SKIPPED_UNSUPPORTED }

    public boolean passed() {
        return status == Status.PASSED;
    }

    public boolean failed() {
        return status == Status.FAILED;
    }

    /** The first line of the message: what a one-line report shows. */
    public String summary() {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /** {@code name:line: summary}, the way compilers point at a line. */
    public String location() {
        return name + (line > 0 ? ":" + line : "");
    }
}
