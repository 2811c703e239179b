package io.tapwire.pcap.drill;

import io.tapwire.tcp.TcpInfo;

/**
 * {@code %{ assert tcpi_options == ... }%}: the options TCP_INFO reports as negotiated, as the bits
 * both FreeBSD and Linux give them (TCPI_OPT_TIMESTAMPS 1, TCPI_OPT_SACK 2, TCPI_OPT_WSCALE 4,
 * TCPI_OPT_ECN 8), compared with the script's expression of those names, integers and {@code |}.
 */
final class TcpInfoOptions {
    private TcpInfoOptions() {
    }

    static void check(int line, DrillSocket so, String expression) {
        long want = eval(line, expression.strip());
        long got = 0;
        if (so != null && so.connection != null) {
            TcpInfo info = so.connection.tcpInfo();
            got = (info.timestamps() ? 1 : 0) | (info.sack() ? 2 : 0) | (info.sndWscale() >= 0 ? 4 : 0) | (info.ecn() ? 8 : 0);
        }
        if (got != want) {
            throw new ScriptFailure(line, "tcpi_options: expected " + want + " got " + got);
        }
    }

    private static long eval(int line, String e) {
        String s = e.replace("(", " ").replace(")", " ").strip();
        long v = 0;
        for (String part : s.split("\\|")) {
            String p = part.strip();
            v |= bit(line, p, e);
        }
        return v;
    }

    private static long bit(int line, String name, String e) {
        switch (name) {
            case "TCPI_OPT_TIMESTAMPS":
                return 1;
            case "TCPI_OPT_SACK":
                return 2;
            case "TCPI_OPT_WSCALE":
                return 4;
            case "TCPI_OPT_ECN":
                return 8;
            default:
                try {
                    return Cursor.parseInteger(name);
                } catch (NumberFormatException x) {
                    throw ScriptException.unsupported(line, "code block: tcpi_options == " + e);
                }
        }
    }
}
