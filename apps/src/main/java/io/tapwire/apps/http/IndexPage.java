package io.tapwire.apps.http;

import io.tapwire.apps.tcpsvc.ConnectionInfo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The HTML page at {@code /}: the live connections and the endpoints. The connections come from
 * whoever serves them: a {@link io.tapwire.apps.tcpsvc.ConnectionRegistry} for thread-per-connection
 * services, the event loop for event-driven ones.
 */
final class IndexPage {
    private final Supplier<List<ConnectionInfo>> connections;

    IndexPage(Supplier<List<ConnectionInfo>> connections) {
        this.connections = connections;
    }

    byte[] render(HttpRequest request) {
        List<ConnectionInfo> live = connections.get();
        StringBuilder html = new StringBuilder(2048 + 256 * live.size());
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>tapwire</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}")
                .append("td.n{text-align:right;font-family:monospace}</style>\n")
                .append("</head>\n<body>\n<h1>tapwire</h1>\n")
                .append("<p>A userspace TCP/IP stack in Java. This page came over ")
                .append(escape(request.version().text())).append(".</p>\n");

        html.append("<h2>Live connections (").append(live.size()).append(")</h2>\n")
                .append("<table>\n<tr><th>#</th><th>service</th><th>remote</th><th>local</th><th>TCP state</th>")
                .append("<th>bytes in</th><th>bytes out</th><th>age</th></tr>\n");
        for (ConnectionInfo c : live) {
            html.append("<tr><td class=\"n\">").append(c.id())
                    .append("</td><td>").append(escape(c.service()))
                    .append("</td><td>").append(escape(c.remote()))
                    .append("</td><td>").append(escape(c.local()))
                    .append("</td><td>").append(escape(c.state()))
                    .append("</td><td class=\"n\">").append(c.bytesIn())
                    .append("</td><td class=\"n\">").append(c.bytesOut())
                    .append("</td><td class=\"n\">").append(age(c.age()))
                    .append("</td></tr>\n");
        }
        html.append("</table>\n");

        html.append("<h2>Endpoints</h2>\n<ul>\n")
                .append("<li><a href=\"/\">/</a>: this page</li>\n")
                .append("<li><a href=\"/bytes/1048576\">/bytes/N</a>: exactly N bytes (byte i is i mod 256), N up to ")
                .append(Endpoints.MAX_BYTES).append("</li>\n")
                .append("<li><a href=\"/stream/10\">/stream/N</a>: N lines, one chunk each (HTTP/1.1)")
                .append(" or until close (HTTP/1.0)</li>\n")
                .append("<li><a href=\"/status\">/status</a>: stack statistics as plain text</li>\n")
                .append("</ul>\n<p>GET and HEAD only. TCP services: echo on 7, discard on 9, chargen on 19.</p>\n")
                .append("</body>\n</html>\n");
        return html.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String age(Duration age) {
        long millis = age.toMillis();
        if (millis < 10_000) {
            return String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
        }
        long s = age.toSeconds();
        return s < 3600 ? String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
