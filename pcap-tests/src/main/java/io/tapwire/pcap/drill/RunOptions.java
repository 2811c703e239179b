package io.tapwire.pcap.drill;

import java.util.Set;

/**
 * How scripts are run.
 *
 * @param defines              names defined for {@code #ifdef}; the suite guards RFC-standard
 *                             expectations with {@code STANDARD} and FreeBSD's own behaviour with
 *                             {@code FreeBSD}
 * @param lenientOptionLayout  a diagnostic, never the verdict: compare TCP options as a set (order,
 *                             NOP and EOL padding and the window-scale shift ignored), to see what
 *                             else a script would find once the option layout matches
 */
public record RunOptions(Set<String> defines, boolean lenientOptionLayout) {
    /** The verdict settings: the RFC-standard branches, options compared byte for byte. */
    public static RunOptions standard() {
        return new RunOptions(Set.of("STANDARD"), false);
    }

    public RunOptions withDefines(Set<String> d) {
        return new RunOptions(Set.copyOf(d), lenientOptionLayout);
    }

    public RunOptions withLenientOptionLayout(boolean on) {
        return new RunOptions(defines, on);
    }
}
