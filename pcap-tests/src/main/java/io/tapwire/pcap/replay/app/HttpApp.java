package io.tapwire.pcap.replay.app;

import io.tapwire.pcap.replay.ScenarioConfig.AppSpec;
import io.tapwire.socket.TcpSocket;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A small HTTP/1.1 server stepped on the stack thread, enough for curl, ab and hand-written
 * requests: GET and HEAD; {@code /} (a short text), {@code /bytes/N} (N bytes of 'a'..'z'),
 * {@code /stream/N} (N bytes in the chunked transfer coding, 4096-byte chunks); persistent
 * connections (HTTP/1.1 unless {@code Connection: close}, HTTP/1.0 with {@code keep-alive}) and
 * pipelining; 400 for a malformed request (then close), 404, 405, 431. No {@code Date} header:
 * the response bytes must not depend on the wall clock.
 */
final class HttpApp extends StreamApp {
    private static final int MAX_HEADER = 8192;
    private static final int CHUNK = 4096;
    private static final long MAX_BODY = 100_000_000L;

    HttpApp(AppSpec spec) {
        super(spec, 80);
    }

    @Override
    Conn open(TcpSocket socket, long now) {
        return new HttpConn(socket);
    }

    private static final class HttpConn extends Conn {
        private final byte[] request = new byte[MAX_HEADER];
        private int length;
        private long skipBody;

        HttpConn(TcpSocket socket) {
            super(socket);
        }

        @Override
        boolean step(long now) {
            boolean work = flush();
            while (!done && !closing && out.pending() < 65_536) {
                int n = readIntoRequest();
                if (n > 0) {
                    work = true;
                }
                boolean answered = false;
                while (!closing && answerOne()) {
                    answered = true;
                }
                if (answered) {
                    work |= flush();
                }
                if (n <= 0) {
                    break;
                }
            }
            if (eof && !closing) {
                finish();
            }
            return closeIfFinished() || work;
        }

        private int readIntoRequest() {
            int room = request.length - length;
            if (room == 0) {
                return 0;
            }
            int n = read();
            if (n <= 0) {
                return n;
            }
            int take = Math.min(n, room);
            System.arraycopy(buf, 0, request, length, take);
            length += take;
            if (take < n) {
                // More than fits before the header ends: answered below as 431.
                fail431();
            }
            return n;
        }

        private void fail431() {
            respond(431, "Request Header Fields Too Large", "request header too large\n", true, false);
            finish();
        }

        /** Answers the first complete request in the buffer; false if there is none yet. */
        private boolean answerOne() {
            if (skipBody > 0) {
                int n = (int) Math.min(skipBody, length);
                consume(n);
                skipBody -= n;
                if (skipBody > 0) {
                    return false;
                }
            }
            int end = headerEnd();
            if (end < 0) {
                if (length == request.length) {
                    fail431();
                }
                return false;
            }
            String header = new String(request, 0, end, StandardCharsets.ISO_8859_1);
            consume(end + 4);
            String[] lines = header.split("\r\n", -1);
            String[] rl = lines[0].split(" ", -1);
            if (rl.length != 3 || rl[0].isEmpty() || !rl[1].startsWith("/")
                    || !(rl[2].equals("HTTP/1.1") || rl[2].equals("HTTP/1.0"))) {
                badRequest();
                return true;
            }
            boolean http10 = rl[2].equals("HTTP/1.0");
            boolean keepAlive = !http10;
            long contentLength = 0;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon <= 0) {
                    badRequest();
                    return true;
                }
                String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = lines[i].substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "connection" -> {
                        if (value.contains("close")) {
                            keepAlive = false;
                        } else if (value.contains("keep-alive")) {
                            keepAlive = true;
                        }
                    }
                    case "content-length" -> {
                        try {
                            contentLength = Long.parseLong(value);
                        } catch (NumberFormatException e) {
                            badRequest();
                            return true;
                        }
                    }
                    case "transfer-encoding" -> {
                        badRequest();
                        return true;
                    }
                    default -> { }
                }
            }
            skipBody = contentLength;
            boolean close = !keepAlive;
            String method = rl[0];
            boolean isHead = method.equals("HEAD");
            if (!isHead && !method.equals("GET")) {
                respond(405, "Method Not Allowed", "method not allowed\n", close, false, "Allow: GET, HEAD\r\n");
            } else {
                serve(rl[1], isHead, close, http10);
            }
            if (close) {
                finish();
            }
            return true;
        }

        private void serve(String path, boolean head, boolean close, boolean http10) {
            if (path.equals("/")) {
                respond(200, "OK", "tapwire scenario server\n", close, head);
            } else if (path.startsWith("/bytes/") && number(path.substring(7)) >= 0) {
                long n = number(path.substring(7));
                out.add(headers(200, "OK", "application/octet-stream", "Content-Length: " + n + "\r\n", close, ""));
                if (!head) {
                    out.add(OutputQueue.ALPHABET, n);
                }
            } else if (path.startsWith("/stream/") && number(path.substring(8)) >= 0 && !http10) {
                long n = number(path.substring(8));
                out.add(headers(200, "OK", "application/octet-stream", "Transfer-Encoding: chunked\r\n", close, ""));
                if (!head) {
                    for (long off = 0; off < n; off += CHUNK) {
                        long size = Math.min(CHUNK, n - off);
                        long base = off;
                        out.add(Long.toHexString(size) + "\r\n");
                        out.add(i -> OutputQueue.ALPHABET.at(base + i), size);
                        out.add("\r\n");
                    }
                    out.add("0\r\n\r\n");
                }
            } else {
                respond(404, "Not Found", "not found\n", close, head);
            }
        }

        private static long number(String s) {
            if (s.isEmpty() || s.length() > 12 || !s.chars().allMatch(Character::isDigit)) {
                return -1;
            }
            long n = Long.parseLong(s);
            return n <= MAX_BODY ? n : -1;
        }

        private void badRequest() {
            respond(400, "Bad Request", "bad request\n", true, false);
            finish();
        }

        private void respond(int status, String reason, String body, boolean close, boolean head, String... extra) {
            out.add(headers(status, reason, "text/plain", "Content-Length: " + body.length() + "\r\n", close, String.join("", extra)));
            if (!head) {
                out.add(body);
            }
        }

        private static String headers(int status, String reason, String type, String framing, boolean close, String extra) {
            return "HTTP/1.1 " + status + " " + reason + "\r\n"
                    + "Server: tapwire-scenario\r\n"
                    + "Content-Type: " + type + "\r\n"
                    + framing
                    + extra
                    + (close ? "Connection: close\r\n" : "")
                    + "\r\n";
        }

        private int headerEnd() {
            for (int i = 0; i + 3 < length; i++) {
                if (request[i] == '\r' && request[i + 1] == '\n' && request[i + 2] == '\r' && request[i + 3] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        private void consume(int n) {
            System.arraycopy(request, n, request, 0, length - n);
            length -= n;
        }
    }
}
