package io.tapwire.apps.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one {@code tapwire bench idle} run measured, filled in phase by phase (a figure stays null
 * when its phase did not run or failed), rendered as the closing table and as JSON.
 */
final class IdleResult {
    /** The target of issue 9: at most 1 KiB of heap per idle connection. */
    static final double TARGET_BYTES = 1024;

    final Map<String, String> parameters = new LinkedHashMap<>();
    final List<String> errors = new ArrayList<>();
    /** What may skew a figure without failing the run. */
    final List<String> warnings = new ArrayList<>();
    /** Heap growth by class over the connections, largest first. */
    final List<HeapProbe.ClassDelta> classes = new ArrayList<>();
    int connections;
    String io;
    Long clientsConnected;
    Long clientsFailed;
    Long serverHeld;
    Double connectSeconds;
    Long heapBefore;
    Long heapAfter;
    /** Live bytes the class histogram grew by in all (the table shows only the top). */
    Long histogramGrowth;
    /** Kernel slab of the Linux client's sockets: growth of the socket caches, per socket. */
    Double kernelSocketCaches;
    /** One object each of the caches that make a socket a file (filp, dentry, ...). */
    Long kernelFileObjects;
    Long clientResidentBytes;
    Long echoOk;
    Long echoTried;
    Long closed;
    Long serverLeftOpen;
    Double closeSeconds;
    /** With --linux: kernel slab per connection with both ends on Linux, and the server end alone. */
    Double linuxBothEnds;
    Double linuxServerEnd;
    Double linuxConnectSeconds;

    Double heapPerConnection() {
        return heapBefore == null || heapAfter == null || connections == 0 ? null : (heapAfter - heapBefore) / (double) connections;
    }

    Double kernelPerSocket() {
        return kernelSocketCaches == null || kernelFileObjects == null ? null : kernelSocketCaches + kernelFileObjects;
    }

    Double ratio() {
        Double h = heapPerConnection();
        Double k = kernelPerSocket();
        return h == null || k == null || k == 0 ? null : h / k;
    }

    String table() {
        StringBuilder sb = new StringBuilder();
        String fmt = "%-42s %18s %22s%n";
        sb.append(String.format(Locale.ROOT, fmt, "Idle connections (" + io + ")", "tapwire", "Linux kernel"));
        sb.append("-".repeat(84)).append('\n');
        sb.append(String.format(Locale.ROOT, fmt, "connections held", count(serverHeld), count(clientsConnected) + " (clients)"));
        sb.append(String.format(Locale.ROOT, fmt, "memory per connection, one end (B)", bytes(heapPerConnection()) + " heap",
                bytes(kernelPerSocket()) + " slab"));
        Double r = ratio();
        sb.append(String.format(Locale.ROOT, fmt, "tapwire / kernel", r == null ? "n/a" : String.format(Locale.ROOT, "%.2fx", r), ""));
        if (linuxBothEnds != null) {
            sb.append(String.format(Locale.ROOT, fmt, "Linux server (veth): kernel per server socket", "",
                    linuxServerEnd == null ? "n/a" : bytes(linuxServerEnd) + " slab"));
            sb.append(String.format(Locale.ROOT, fmt, "Linux server (veth): both ends per connection", "", bytes(linuxBothEnds) + " slab"));
        }
        Double h = heapPerConnection();
        sb.append(String.format(Locale.ROOT, fmt, "target: heap <= 1 KiB per connection",
                h == null ? "n/a" : h <= TARGET_BYTES ? "met" : String.format(Locale.ROOT, "missed by %.0f B", h - TARGET_BYTES), ""));
        sb.append(String.format(Locale.ROOT, fmt, "time to connect all (s)", connectSeconds == null ? "n/a"
                : String.format(Locale.ROOT, "%.1f", connectSeconds), ""));
        sb.append(String.format(Locale.ROOT, fmt, "connections per second", connectSeconds == null || serverHeld == null || connectSeconds == 0
                ? "n/a" : String.format(Locale.ROOT, "%.0f", serverHeld / connectSeconds), ""));
        sb.append(String.format(Locale.ROOT, fmt, "sample echoed correctly", echoTried == null ? "n/a" : echoOk + " of " + echoTried, ""));
        sb.append(String.format(Locale.ROOT, fmt, "closed (paced), left open in the server", closed == null ? "n/a"
                : closed + ", " + count(serverLeftOpen) + " left", ""));
        return sb.toString();
    }

    /** The class growth as lines "instances/conn  bytes/conn  class", the rest summed as "other". */
    String classTable(int top) {
        StringBuilder sb = new StringBuilder();
        long shown = 0;
        for (int i = 0; i < Math.min(top, classes.size()); i++) {
            HeapProbe.ClassDelta d = classes.get(i);
            shown += d.bytes();
            sb.append(String.format(Locale.ROOT, "  %8.2f %9.1f B  %s%n", d.instances() / (double) connections, d.bytes() / (double) connections,
                    HeapProbe.readable(d.name())));
        }
        if (histogramGrowth != null) {
            sb.append(String.format(Locale.ROOT, "  %8s %9.1f B  (other classes)%n", "", (histogramGrowth - shown) / (double) connections));
            sb.append(String.format(Locale.ROOT, "  %8s %9.1f B  live bytes the histogram grew by, per connection%n", "",
                    histogramGrowth / (double) connections));
        }
        return sb.toString();
    }

    /** Classes listed in the JSON: the largest growths, enough to account for a connection's heap. */
    static final int JSON_CLASSES = 50;

    String json() {
        StringBuilder sb = new StringBuilder("{\n  \"benchmark\": \"tapwire bench idle\",\n  \"parameters\": {");
        int i = 0;
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            sb.append(i++ == 0 ? "\n" : ",\n").append("    ").append(Report.str(e.getKey())).append(": ").append(value(e.getValue()));
        }
        sb.append(i > 0 ? "\n  " : "").append("},\n  \"results\": {\n");
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("connections_held", serverHeld);
        r.put("clients_connected", clientsConnected);
        r.put("clients_failed", clientsFailed);
        r.put("connect_seconds", connectSeconds);
        r.put("heap_before_bytes", heapBefore);
        r.put("heap_after_bytes", heapAfter);
        r.put("heap_per_connection_bytes", heapPerConnection());
        r.put("kernel_slab_per_socket_bytes", kernelPerSocket());
        r.put("kernel_socket_caches_per_socket_bytes", kernelSocketCaches);
        r.put("kernel_file_objects_per_socket_bytes", kernelFileObjects);
        r.put("heap_to_kernel_ratio", ratio());
        r.put("target_bytes", TARGET_BYTES);
        r.put("client_resident_bytes", clientResidentBytes);
        r.put("echo_ok", echoOk);
        r.put("echo_tried", echoTried);
        r.put("closed", closed);
        r.put("close_seconds", closeSeconds);
        r.put("server_left_open", serverLeftOpen);
        r.put("linux_server_socket_bytes", linuxServerEnd);
        r.put("linux_both_ends_per_connection_bytes", linuxBothEnds);
        r.put("linux_connect_seconds", linuxConnectSeconds);
        i = 0;
        for (Map.Entry<String, Object> e : r.entrySet()) {
            sb.append(i++ == 0 ? "" : ",\n").append("    ").append(Report.str(e.getKey())).append(": ").append(json(e.getValue()));
        }
        sb.append("\n  },\n  \"heap_growth_by_class\": [");
        for (int k = 0; k < Math.min(JSON_CLASSES, classes.size()); k++) {
            HeapProbe.ClassDelta d = classes.get(k);
            sb.append(k == 0 ? "\n" : ",\n").append("    {\"class\": ").append(Report.str(HeapProbe.readable(d.name())))
                    .append(", \"instances\": ").append(d.instances()).append(", \"bytes\": ").append(d.bytes())
                    .append(", \"bytes_per_connection\": ").append(Report.jnum(connections == 0 ? null : d.bytes() / (double) connections))
                    .append('}');
        }
        sb.append(classes.isEmpty() ? "" : "\n  ").append("],\n  \"warnings\": ");
        strings(sb, warnings);
        sb.append(",\n  \"errors\": ");
        strings(sb, errors);
        return sb.append("\n}\n").toString();
    }

    private static void strings(StringBuilder sb, List<String> list) {
        sb.append('[');
        for (int k = 0; k < list.size(); k++) {
            sb.append(k == 0 ? "" : ", ").append(Report.str(list.get(k)));
        }
        sb.append(']');
    }

    private static String json(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Double d) {
            return Report.jnum(d);
        }
        return v.toString();
    }

    private static String value(String v) {
        return v.matches("-?[0-9]+(\\.[0-9]+)?") ? v : Report.str(v);
    }

    private static String count(Long v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%,d", v);
    }

    private static String bytes(Double v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%,.0f", v);
    }
}
