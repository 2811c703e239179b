package io.tapwire.jmh;

import io.tapwire.Stack;
import io.tapwire.Stat;

/** After a benchmark: proof that it measured the path it names, not a drop or an error path. */
final class Checks {
    private Checks() {}

    /** The stack dropped no frame and hit no internal error. */
    static void noDrops(Stack stack) {
        long dropped = stack.statistics().get(Stat.RX_DROPPED);
        long errors = stack.statistics().get(Stat.RX_INTERNAL_ERRORS);
        if (dropped != 0 || errors != 0) {
            throw new IllegalStateException("the stack dropped " + dropped + " frames and hit " + errors
                    + " internal errors: the benchmark measured a drop path\n" + stack.statistics().format());
        }
    }

    /** The application received exactly the bytes the peer sent. */
    static void delivered(long sent, long read) {
        if (sent != read) {
            throw new IllegalStateException("the peer sent " + sent + " bytes, the application read " + read);
        }
    }
}
