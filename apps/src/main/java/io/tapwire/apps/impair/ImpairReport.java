package io.tapwire.apps.impair;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The figures of one {@code tapwire bench impair} run: per congestion control, the three transfers
 * and the ratios of tapwire's goodput to Linux ↔ Linux's through the same impairment. Renders the
 * table and JSON.
 */
final class ImpairReport {
    /** One algorithm's three transfers (any may be null when it was not run or failed to start). */
    static final class Row {
        final String cc;
        final String linuxCc;
        ImpairTransfers.Transfer tapwireToLinux;
        ImpairTransfers.Transfer linuxToTapwire;
        ImpairTransfers.Transfer linuxToLinux;
        final List<String> errors = new ArrayList<>();

        Row(String cc, String linuxCc) {
            this.cc = cc;
            this.linuxCc = linuxCc;
        }

        Double ratio(ImpairTransfers.Transfer t) {
            if (t == null || linuxToLinux == null || !t.intact() || !linuxToLinux.intact() || linuxToLinux.goodputMbps() == 0) {
                return null;
            }
            return t.goodputMbps() / linuxToLinux.goodputMbps();
        }
    }

    final String impairment;
    final long bytes;
    final List<Row> rows = new ArrayList<>();

    ImpairReport(String impairment, long bytes) {
        this.impairment = impairment;
        this.bytes = bytes;
    }

    /** Whether every transfer that ran arrived intact and nothing failed. */
    boolean allIntact() {
        for (Row r : rows) {
            if (!r.errors.isEmpty()) {
                return false;
            }
            for (ImpairTransfers.Transfer t : new ImpairTransfers.Transfer[] {r.tapwireToLinux, r.linuxToTapwire, r.linuxToLinux}) {
                if (t != null && !t.intact()) {
                    return false;
                }
            }
        }
        return true;
    }

    String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "impairment each way: %s; %d bytes per transfer%n", impairment, bytes));
        sb.append(String.format(Locale.ROOT, "%-8s %-18s %10s %9s %7s %6s %6s %8s %7s%n",
                "cc", "direction", "Mbit/s", "seconds", "intact", "lost", "reord", "retrans", "ratio"));
        for (Row r : rows) {
            line(sb, r, r.tapwireToLinux, r.ratio(r.tapwireToLinux));
            line(sb, r, r.linuxToTapwire, r.ratio(r.linuxToTapwire));
            line(sb, r, r.linuxToLinux, r.linuxToLinux != null && r.linuxToLinux.intact() ? 1.0 : null);
            for (String e : r.errors) {
                sb.append("  error: ").append(e).append('\n');
            }
        }
        sb.append("ratio: goodput / Linux -> Linux goodput of the same algorithm through the same impairment "
                + "(Linux senders use ").append("reno for newreno: Linux's reno is NewReno with SACK)\n");
        return sb.toString();
    }

    private static void line(StringBuilder sb, Row r, ImpairTransfers.Transfer t, Double ratio) {
        if (t == null) {
            return;
        }
        String cc = t.direction().startsWith("tapwire") ? r.cc : r.linuxCc + (r.linuxCc.equals(r.cc) ? "" : "*");
        sb.append(String.format(Locale.ROOT, "%-8s %-18s %10.2f %9.2f %7s %6d %6d %8d %7s%n", cc, t.direction(),
                t.goodputMbps(), t.seconds(), t.intact() ? "yes" : "NO", t.lost(), t.reordered(), t.senderRetransmits(),
                ratio == null ? "-" : String.format(Locale.ROOT, "%.2f", ratio)));
        if (!t.intact()) {
            sb.append("  ").append(t.detail()).append('\n');
        }
    }

    String json() {
        StringBuilder sb = new StringBuilder();
        sb.append("{\n  \"benchmark\": \"impair\",\n  \"impairment\": ").append(str(impairment))
                .append(",\n  \"bytes\": ").append(bytes).append(",\n  \"algorithms\": [");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            sb.append(i == 0 ? "\n" : ",\n");
            sb.append("    {\"cc\": ").append(str(r.cc)).append(", \"linux_cc\": ").append(str(r.linuxCc))
                    .append(",\n     \"tapwire_to_linux\": ").append(transfer(r.tapwireToLinux))
                    .append(",\n     \"linux_to_tapwire\": ").append(transfer(r.linuxToTapwire))
                    .append(",\n     \"linux_to_linux\": ").append(transfer(r.linuxToLinux))
                    .append(",\n     \"ratio_tapwire_to_linux\": ").append(num(r.ratio(r.tapwireToLinux)))
                    .append(", \"ratio_linux_to_tapwire\": ").append(num(r.ratio(r.linuxToTapwire)))
                    .append(", \"errors\": [");
            for (int k = 0; k < r.errors.size(); k++) {
                sb.append(k == 0 ? "" : ", ").append(str(r.errors.get(k)));
            }
            sb.append("]}");
        }
        sb.append("\n  ]\n}\n");
        return sb.toString();
    }

    private static String transfer(ImpairTransfers.Transfer t) {
        if (t == null) {
            return "null";
        }
        return String.format(Locale.ROOT, "{\"bytes\": %d, \"seconds\": %.3f, \"goodput_mbps\": %.3f, \"intact\": %s, "
                        + "\"frames_lost\": %d, \"frames_reordered\": %d, \"sender_retransmits\": %d, \"detail\": %s}",
                t.bytes(), t.seconds(), t.goodputMbps(), t.intact(), t.lost(), t.reordered(), t.senderRetransmits(),
                str(t.detail()));
    }

    private static String num(Double d) {
        return d == null ? "null" : String.format(Locale.ROOT, "%.4f", d);
    }

    static String str(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
