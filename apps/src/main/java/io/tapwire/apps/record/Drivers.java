package io.tapwire.apps.record;

import io.tapwire.pcap.replay.FrameDecoder;
import io.tapwire.pcap.replay.ScenarioConfig;
import io.tapwire.pcap.replay.TimedFrame;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The scenario corpus: how each scenario of {@code pcap-tests/src/test/resources/scenarios} is
 * recorded. Every scenario runs the standard apps (app.1 UDP echo 7, app.2 TCP echo 7, app.3
 * discard 9, app.4 chargen 19, app.5 HTTP 80) plus its own; the Linux side is 10.0.0.1.
 */
public final class Drivers {
    private static final String S = Recorder.STACK_ADDRESS;
    private static final String URL = "http://" + S;
    private static final Map<String, ScenarioDriver> ALL = new LinkedHashMap<>();

    private Drivers() {
    }

    /** Every scenario, in a stable order. */
    public static List<ScenarioDriver> all() {
        return List.copyOf(ALL.values());
    }

    public static Optional<ScenarioDriver> named(String name) {
        return Optional.ofNullable(ALL.get(name));
    }

    private static ScenarioDriver add(String name, String description) {
        ScenarioDriver d = new ScenarioDriver(name, description).configure(Drivers::standardApps);
        ALL.put(name, d);
        return d;
    }

    private static void standardApps(ScenarioConfig c) {
        c.app("udp-echo port=7");
        c.app("tcp-echo port=7");
        c.app("discard port=9");
        c.app("chargen port=19");
        c.app("http port=80");
    }

    /** Python prelude for the driver scripts. */
    private static String py(String body) {
        return "import socket, struct, time, sys, threading\nH = '" + S + "'\n" + body;
    }

    static {
        // ------------------------------------------------------------------ ARP
        add("arp-request-reply", "ARP: arping asks for 10.0.0.2 twice, the stack replies with its MAC")
                .run("arping", "-c", "2", "-I", "tap0", S);
        add("arp-dad-probe", "ARP: duplicate address detection probes (sender 0.0.0.0) for 10.0.0.2 are answered")
                .runMayFail("arping", "-D", "-c", "2", "-w", "2", "-I", "tap0", S);

        // ------------------------------------------------------------------ ICMP
        add("ping-small", "ICMP: three 56-byte echo requests, three replies")
                .run("ping", "-c", "3", "-i", "0.2", S);
        add("ping-1472-df", "ICMP: 1472-byte echo with DF fills a 1500-byte datagram, answered unfragmented")
                .run("ping", "-c", "2", "-i", "0.2", "-s", "1472", "-M", "do", S);
        add("ping-4000-fragmented", "ICMP: 4000-byte echo arrives in three fragments, reassembled, answered in three")
                .run("ping", "-c", "2", "-i", "0.2", "-s", "4000", S);
        add("ping-65507-max", "ICMP: the largest echo (65507 bytes, 45 fragments each way)")
                .run("ping", "-c", "1", "-s", "65507", S);
        add("ping6-small", "ICMPv6: neighbour discovery both ways, three 56-byte echo requests, three replies").ipv6()
                .run("ping", "-6", "-c", "3", "-i", "0.2", Recorder.STACK_ADDRESS6);
        add("ping6-4000-fragmented", "ICMPv6: 4000-byte echo arrives in three fragments, reassembled, answered in three").ipv6()
                .run("ping", "-6", "-c", "2", "-i", "0.2", "-s", "4000", Recorder.STACK_ADDRESS6);
        add("tcp6-http-get", "TCP over IPv6: curl -6 fetches 20000 bytes over HTTP (MSS 1440) and closes").ipv6()
                .run("curl", "-6", "-sS", "-o", "/dev/null", "http://[" + Recorder.STACK_ADDRESS6 + "]/bytes/20000");
        add("ping-burst", "ICMP: 20 echo requests 5 ms apart")
                .run("ping", "-c", "20", "-i", "0.005", "-s", "100", S);
        add("icmp-protocol-unreachable", "ICMP: a datagram of IP protocol 253 gets protocol unreachable")
                .python(py("""
                        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 253)
                        for i in range(2):
                            s.sendto(b'tapwire-proto-253', (H, 0)); time.sleep(0.05)
                        """));

        // ------------------------------------------------------------------ UDP
        add("udp-echo", "UDP: datagrams of 5, 100 and 1472 bytes echoed by port 7")
                .python(py("""
                        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
                        for n in (5, 100, 1472):
                            s.sendto(bytes((i % 251 for i in range(n))), (H, 7))
                            d, a = s.recvfrom(65535); assert len(d) == n, len(d)
                        """));
        add("udp-echo-fragmented", "UDP: 3000- and 8000-byte datagrams to echo, fragmented both ways")
                .python(py("""
                        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
                        for n in (3000, 8000):
                            s.sendto(bytes((i % 253 for i in range(n))), (H, 7))
                            d, a = s.recvfrom(65535); assert len(d) == n, len(d)
                        """));
        add("udp-closed-port", "UDP: datagrams to closed port 9999 get ICMP port unreachable (ECONNREFUSED)")
                .python(py("""
                        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2); s.connect((H, 9999))
                        for i in range(3):
                            s.send(b'anyone?')
                            try:
                                s.recv(100); sys.exit('no error')
                            except ConnectionRefusedError:
                                pass
                            time.sleep(0.05)
                        """));

        // ------------------------------------------------------------------ TCP basics
        add("tcp-echo", "TCP: nc sends three lines to echo port 7 and half-closes; echoed, then FIN both ways")
                .run("sh", "-c", "printf 'one\\ntwo\\nthree\\n' | nc -N -w 3 " + S + " 7");
        add("tcp-echo-100k", "TCP: 100 KB through the echo service while reading concurrently")
                .python(py("""
                        s = socket.create_connection((H, 7), timeout=5)
                        data = bytes((i * 7) % 256 for i in range(100000)); got = bytearray()
                        def rd():
                            while True:
                                b = s.recv(65536)
                                if not b: break
                                got.extend(b)
                        t = threading.Thread(target=rd); t.start()
                        s.sendall(data); s.shutdown(socket.SHUT_WR); t.join(); s.close()
                        assert bytes(got) == data, len(got)
                        """));
        add("tcp-rst-closed-port", "TCP: SYNs to closed ports 12345 and 81 are answered with RST")
                .runMayFail("nc", "-z", "-w", "1", S, "12345")
                .runMayFail("curl", "-s", "-m", "2", "http://" + S + ":81/");
        add("tcp-passive-close", "TCP: the client closes first; the stack goes CLOSE_WAIT, LAST_ACK, CLOSED")
                .python(py("""
                        s = socket.create_connection((H, 7), timeout=3)
                        s.sendall(b'hello'); assert s.recv(100) == b'hello'
                        s.close(); time.sleep(0.2)
                        """));
        add("tcp-active-close", "TCP: the stack closes first after a Connection: close response (FIN_WAIT_1/2, TIME_WAIT)")
                .run("curl", "-s", "-o", "/dev/null", "-H", "Connection: close", URL + "/");
        add("tcp-simultaneous-close", "TCP: both sides send FIN before seeing the other's (CLOSING), Linux's packets slowed by tbf")
                .configure(c -> c.app("closer port=5"))
                .setup("tc", "qdisc", "add", "dev", "tap0", "root", "tbf", "rate", "8kbit", "burst", "100", "limit", "10000")
                .python(py("""
                        s = socket.create_connection((H, 5), timeout=5)
                        time.sleep(0.2)
                        s.send(b'x'); s.shutdown(socket.SHUT_WR)
                        while s.recv(100): pass
                        s.close(); time.sleep(0.3)
                        """))
                .verify(Drivers::simultaneousClose);
        add("tcp-rst-established", "TCP: the client aborts an idle connection (SO_LINGER 0): RST")
                .python(py("""
                        s = socket.create_connection((H, 7), timeout=3)
                        s.sendall(b'ping'); s.recv(10)
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); s.close(); time.sleep(0.1)
                        """));
        add("tcp-client-abort", "TCP: the client resets a 2 MB download after 30 KB; the stack drops its queued data")
                .python(py("""
                        s = socket.create_connection((H, 80), timeout=3)
                        s.sendall(b'GET /bytes/2000000 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'); n = 0
                        while n < 30000: n += len(s.recv(65536))
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); s.close(); time.sleep(0.2)
                        """));
        add("tcp-syn-backlog-full", "TCP: a listener with backlog 1 that never accepts: further SYNs are dropped, Linux retransmits them")
                .configure(c -> c.app("discard port=8 backlog=1 accept=false"))
                .python(py("""
                        ss = []
                        for i in range(3):
                            s = socket.socket(); s.setblocking(False); s.connect_ex((H, 8)); ss.append(s); time.sleep(0.05)
                        time.sleep(3.3)
                        for s in ss: s.close()
                        time.sleep(0.1)
                        """));
        add("tcp-time-wait-reuse", "TCP: a new SYN from the same client port while the stack's side is in TIME_WAIT opens a new connection")
                .python(py("""
                        for i in range(2):
                            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                            s.bind(('10.0.0.1', 40000)); s.settimeout(3); s.connect((H, 80))
                            s.sendall(b'GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n')
                            while s.recv(4096): pass
                            s.close(); time.sleep(0.2)
                        """));
        add("tcp-chargen-half-close", "TCP: the client reads 20000 chargen bytes then half-closes; the stack stops and closes")
                .python(py("""
                        s = socket.create_connection((H, 19), timeout=3); n = 0
                        while n < 20000: n += len(s.recv(65536))
                        s.shutdown(socket.SHUT_WR)
                        while s.recv(65536): pass
                        s.close(); time.sleep(0.1)
                        """));

        // ------------------------------------------------------------------ TCP flow control and timers
        add("tcp-zero-window-persist", "TCP: a Linux reader with a 4 KB buffer stops reading for 2.5 s: zero window, persist probes, then the rest")
                .python(py("""
                        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096); s.settimeout(5)
                        s.connect((H, 80)); s.sendall(b'GET /bytes/100000 HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n')
                        time.sleep(2.5); n = 0
                        while True:
                            b = s.recv(65536)
                            if not b: break
                            n += len(b)
                        assert n > 100000, n
                        """));
        add("tcp-window-update-after-drain", "TCP: the stack's app stops reading until 1.5 s: its window closes, Linux probes, a window update reopens it")
                .configure(c -> c.action(1_500_000_000L, c.app("discard port=1009 paused=true"), "resume-reading"))
                .python(py("""
                        s = socket.create_connection((H, 1009), timeout=5)
                        s.sendall(bytes(200000)); s.shutdown(socket.SHUT_WR)
                        while s.recv(100): pass
                        s.close(); time.sleep(0.1)
                        """));
        add("tcp-delayed-ack", "TCP: after the 16 quick ACKs of a new connection, small segments 60 ms apart are acknowledged by the 40 ms delayed-ACK timer")
                .python(py("""
                        s = socket.create_connection((H, 9), timeout=3); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                        for i in range(22):
                            s.send(b'0123456789'); time.sleep(0.06)
                        s.shutdown(socket.SHUT_WR)
                        while s.recv(100): pass
                        s.close()
                        """))
                .verify(Drivers::delayedAck);
        add("tcp-nagle-small-writes", "TCP: 20 writes of 10 bytes 1 ms apart with Nagle on, ACKs slowed by tbf: coalesced while data is unacknowledged")
                .configure(c -> c.app("trickle port=2000 chunks=20 size=10 intervalMillis=1"))
                .setup("tc", "qdisc", "add", "dev", "tap0", "root", "tbf", "rate", "100kbit", "burst", "100", "limit", "10000")
                .python(py("""
                        s = socket.create_connection((H, 2000), timeout=5); n = 0
                        while True:
                            b = s.recv(100)
                            if not b: break
                            n += len(b)
                        assert n == 200, n
                        s.close(); time.sleep(0.2)
                        """));
        add("tcp-nodelay-small-writes", "TCP: the same 20 small writes with TCP_NODELAY: one segment per write")
                .configure(c -> c.app("trickle port=2001 chunks=20 size=10 intervalMillis=1 nodelay=true"))
                .setup("tc", "qdisc", "add", "dev", "tap0", "root", "tbf", "rate", "100kbit", "burst", "100", "limit", "10000")
                .python(py("""
                        s = socket.create_connection((H, 2001), timeout=5); n = 0
                        while True:
                            b = s.recv(100)
                            if not b: break
                            n += len(b)
                        assert n == 200, n
                        s.close(); time.sleep(0.2)
                        """));

        // ------------------------------------------------------------------ TCP: MSS, loss, bulk
        add("tcp-mss-small-mtu", "TCP: both sides at MTU 1000: the stack advertises MSS 960 and sends 960-byte segments")
                .mtu(1000)
                .run("curl", "-s", "-o", "/dev/null", URL + "/bytes/20000");
        add("tcp-mss-linux-mtu-1280", "TCP: Linux at MTU 1280 advertises MSS 1240; the stack (MTU 1500) sends no larger segment")
                .linuxMtu(1280)
                .run("curl", "-s", "-o", "/dev/null", URL + "/bytes/20000");
        add("tcp-loss-download", "TCP: every 20th data segment of a 200 KB download lost on the wire: retransmissions")
                .dropTxDataEvery(20)
                .run("curl", "-s", "-m", "20", "-o", "/dev/null", URL + "/bytes/200000")
                .verify((in, out) -> hasRepeatedDataSeq(out) ? null : "no retransmission by the stack");
        add("tcp-loss-upload", "TCP: a 200 KB upload through a tbf queue on Linux's side that overflows: the stack sees gaps and sends duplicate ACKs")
                .setup("tc", "qdisc", "add", "dev", "tap0", "root", "tbf", "rate", "20mbit", "burst", "5000", "limit", "6000")
                .run("sh", "-c", "head -c 200000 /dev/zero | nc -N -w 10 " + S + " 9")
                .verify((in, out) -> hasRepeatedDataSeq(in) ? null : "Linux retransmitted nothing (no loss in tbf)");
        add("tcp-download-300k", "TCP: curl downloads 300 KB over HTTP")
                .run("curl", "-s", "-o", "/dev/null", URL + "/bytes/300000");
        add("tcp-upload-300k", "TCP: nc uploads 300 KB to discard")
                .run("sh", "-c", "head -c 300000 /dev/zero | nc -N -w 5 " + S + " 9");

        // ------------------------------------------------------------------ HTTP
        add("http-get-index", "HTTP: curl GET / (HTTP/1.1), connection kept open then closed by curl")
                .run("curl", "-s", "-o", "/dev/null", URL + "/");
        add("http-keepalive-3", "HTTP: curl fetches three URLs over one persistent connection")
                .run("curl", "-s", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", URL + "/", URL + "/bytes/1000", URL + "/bytes/5000");
        add("http-chunked", "HTTP: /stream/20000 in the chunked transfer coding")
                .run("curl", "-s", "-o", "/dev/null", URL + "/stream/20000");
        add("http-head", "HTTP: HEAD /bytes/1000: headers only")
                .run("curl", "-s", "-I", URL + "/bytes/1000");
        add("http-400-malformed", "HTTP: a malformed request line gets 400 and the stack closes")
                .python(py("""
                        s = socket.create_connection((H, 80), timeout=3)
                        s.sendall(b'GARBAGE\\r\\n\\r\\n'); r = b''
                        while True:
                            b = s.recv(4096)
                            if not b: break
                            r += b
                        assert r.startswith(b'HTTP/1.1 400'), r
                        s.close()
                        """));
        add("http-404-405-pipelined", "HTTP: three pipelined requests in one segment: 404, 405, then 200 with Connection: close")
                .python(py("""
                        s = socket.create_connection((H, 80), timeout=3)
                        s.sendall(b'GET /nope HTTP/1.1\\r\\nHost: x\\r\\n\\r\\nPOST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 0\\r\\n\\r\\n'
                                  b'GET /bytes/100 HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'); r = b''
                        while True:
                            b = s.recv(4096)
                            if not b: break
                            r += b
                        assert r.count(b'HTTP/1.1 ') == 3, r
                        s.close()
                        """));
        add("http-ab-5", "HTTP: ab sends 5 HTTP/1.0 requests, one connection each; the stack closes each")
                .run("ab", "-q", "-n", "5", "-c", "1", URL + "/");
    }

    // ------------------------------------------------------------------ checks on a recording

    private static Map<String, String> fields(TimedFrame f) {
        Map<String, String> m = new LinkedHashMap<>();
        for (FrameDecoder.Field x : FrameDecoder.decode(f.bytes()).fields()) {
            m.put(x.name(), x.value());
        }
        return m;
    }

    /** Some TCP segment with data has the same sequence number as an earlier one: a retransmission. */
    static boolean hasRepeatedDataSeq(List<TimedFrame> frames) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (TimedFrame f : frames) {
            Map<String, String> m = fields(f);
            if (m.containsKey("tcp.seq") && FrameDecoder.decode(f.bytes()).payload().length > 0
                    && !seen.add(m.get("tcp.sport") + ":" + m.get("tcp.seq"))) {
                return true;
            }
        }
        return false;
    }

    /** Some data segment from Linux was acknowledged by the stack 30 ms or more after it arrived. */
    static String delayedAck(List<TimedFrame> in, List<TimedFrame> out) {
        for (TimedFrame f : in) {
            if (FrameDecoder.decode(f.bytes()).payload().length == 0 || !fields(f).containsKey("tcp.seq")) {
                continue;
            }
            long end = Long.parseLong(fields(f).get("tcp.seq")) + FrameDecoder.decode(f.bytes()).payload().length;
            for (TimedFrame o : out) {
                String ack = fields(o).get("tcp.ack");
                if (o.timeNanos() >= f.timeNanos() && ack != null && Long.parseLong(ack) == end) {
                    if (o.timeNanos() - f.timeNanos() >= 30_000_000L) {
                        return null;
                    }
                    break;
                }
            }
        }
        return "every data segment was acknowledged at once";
    }

    /** The stack's FIN left before Linux's FIN arrived, and Linux's FIN does not acknowledge ours. */
    static String simultaneousClose(List<TimedFrame> in, List<TimedFrame> out) {
        TimedFrame ours = firstFin(out);
        TimedFrame theirs = firstFin(in);
        if (ours == null || theirs == null) {
            return "a FIN is missing";
        }
        long ourFinSeq = Long.parseLong(fields(ours).get("tcp.seq"));
        long theirAck = Long.parseLong(fields(theirs).get("tcp.ack"));
        if (ours.timeNanos() >= theirs.timeNanos() || theirAck > ourFinSeq) {
            return "not simultaneous: our FIN at " + ours.timeNanos() + " ns, theirs at " + theirs.timeNanos() + " ns acking " + theirAck;
        }
        return null;
    }

    private static TimedFrame firstFin(List<TimedFrame> frames) {
        for (TimedFrame f : frames) {
            String flags = fields(f).get("tcp.flags");
            if (flags != null && flags.contains("F")) {
                return f;
            }
        }
        return null;
    }
}
