package io.tapwire.apps;

import io.tapwire.apps.control.ControlServer;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.apps.ss.NstatCommand;
import io.tapwire.apps.ss.SsCommand;
import io.tapwire.tap.Netns;
import io.tapwire.tcp.TcpInfo;
import io.tapwire.tcp.TcpLayer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code tapwire ss} and {@code tapwire nstat} through the control socket against a live
 * connection from Linux in the sandbox: the row and the {@code -i} fields checked one by one
 * against the stack's own tcp_info and against what Linux's {@code ss -tni} says about the other
 * end of the same connection; nstat's deltas checked against a known number of pings.
 */
class SsNstatIntegrationTest extends TcpSandboxTestBase {
    private static final int BYTES = 1_000_000;

    @Override
    String[] tools() {
        return new String[] {"nc", "ss", "ping"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        return new Sandbox.Options().tcpServices(new TcpServices.Selection(false, true, false, false));
    }

    /** The stack's address as ss prints it and takes it in a filter: {@code 10.0.0.2} ({@code [fd00::2]} over IPv6). */
    String ssAddress() {
        return STACK;
    }

    /** The nstat names of echo requests in and replies out ({@code IcmpInEchos}, {@code IcmpOutEchoReps}). */
    String[] echoCounters() {
        return new String[] {"IcmpInEchos", "IcmpOutEchoReps"};
    }

    /** The stack counter behind {@code echoCounters()[0]}. */
    io.tapwire.Stat echoInStat() {
        return io.tapwire.Stat.ICMP_IN_ECHOS;
    }

    private static String run(Class<?> command, String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Object cmd = command == SsCommand.class ? new SsCommand(ps) : new NstatCommand(ps);
        int exit = new CommandLine(cmd).execute(args);
        assertEquals(0, exit, "exit status of " + String.join(" ", args) + "\n" + bytes);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** "key:value" and "send 123bps" fields of an ss -i line. */
    private static Map<String, String> fields(String line) {
        Map<String, String> m = new LinkedHashMap<>();
        String[] t = line.trim().split("\\s+");
        for (int i = 0; i < t.length; i++) {
            int colon = t[i].indexOf(':');
            if (colon > 0 && !t[i].contains("(")) {
                m.put(t[i].substring(0, colon), t[i].substring(colon + 1));
            } else if ((t[i].equals("send") || t[i].equals("delivery_rate") || t[i].equals("pacing_rate")) && i + 1 < t.length) {
                m.put(t[i], t[++i]);
            } else {
                m.put(t[i], "");
            }
        }
        return m;
    }

    private TcpLayer.TcpInfoEntry connectionOnPort9() throws Exception {
        CompletableFuture<List<TcpLayer.TcpInfoEntry>> f = new CompletableFuture<>();
        sandbox.stack().execute(() -> f.complete(sandbox.stack().tcp().connections()));
        List<TcpLayer.TcpInfoEntry> all = f.get(5, TimeUnit.SECONDS);
        return all.stream().filter(e -> e.localPort() == 9).findFirst().orElse(null);
    }

    @Test
    void ssRowAndInfoFieldsMatchTheStackAndLinuxViewsOfOneLiveConnection() throws Exception {
        Path control = scratch().resolve("control.sock");
        try (ControlServer server = ControlServer.start(sandbox.stack(), control)) {
            // Linux sends BYTES to discard and keeps the connection open while we look at it.
            CompletableFuture<Netns.Result> client = inBackground("nc-client", () -> shell(Duration.ofSeconds(40),
                    "(head -c " + BYTES + " /dev/zero; sleep 12) | nc -N " + target() + " 9"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            TcpLayer.TcpInfoEntry e = connectionOnPort9();
            while (e == null || e.info().bytesReceived() < BYTES) {
                if (System.nanoTime() > deadline) {
                    fail("gave up waiting: the stack received " + (e == null ? "no connection" : e.info().bytesReceived() + " bytes"));
                }
                Thread.sleep(50);
                e = connectionOnPort9();
            }
            Thread.sleep(500);   // delayed ACKs and window updates done: the connection is idle
            String ours = run(SsCommand.class, "-tnio", "--control", control.toString(), "sport", "=", ":9");
            TcpInfo info = connectionOnPort9().info();
            Netns.Result linuxRun = exec("ss", "-tnio", "dst", ssAddress() + ":9");
            String linux = linuxRun.stdout();
            System.out.println("tapwire ss -tnio:\n" + ours + "Linux ss -tnio (the other end):\n" + linux);
            String[] lines = ours.split("\n");
            assertEquals(3, lines.length, "header, row, info line:\n" + ours);
            assertTrue(lines[0].startsWith("State") && lines[0].contains("Recv-Q") && lines[0].contains("Send-Q")
                    && lines[0].contains("Local Address:Port") && lines[0].contains("Peer Address:Port"), ours);
            String[] row = lines[1].trim().split("\\s+");
            assertEquals("ESTAB", row[0], ours);
            assertEquals(Integer.toString(info.recvQueue()), row[1], "Recv-Q");
            assertEquals("0", row[2], "Send-Q");
            assertEquals(ssAddress() + ":9", row[3]);
            String[] linuxLines = linux.split("\n");
            assertTrue(linuxLines.length >= 3, "Linux's ss shows the connection:\n" + linux + linuxRun.stderr());
            String[] linuxRow = linuxLines[1].trim().split("\\s+");
            assertEquals(linuxRow[3], row[4], "our peer is Linux's local end");
            assertEquals(linuxRow[4], row[3], "our local end is Linux's peer");
            assertTrue(lines[2].startsWith("\t"), "the -i line is indented with a tab, as ss prints it");
            Map<String, String> m = fields(lines[2]);
            Map<String, String> lx = fields(linuxLines[2]);

            // Against the stack's own tcp_info, in Linux's units.
            assertEquals(info.caAlgorithm(), lines[2].trim().split(" ")[2], "cc name after ts sack");
            assertTrue(m.containsKey("ts") && m.containsKey("sack"), "options negotiated with Linux: " + lines[2]);
            assertEquals(info.sndWscale() + "," + info.rcvWscale(), m.get("wscale"));
            assertEquals(Long.toString(info.rtoMicros() / 1000), m.get("rto"));
            assertEquals(Integer.toString(info.sndMss()), m.get("mss"));
            assertEquals(Integer.toString(info.advMss()), m.get("advmss"));
            assertEquals(Integer.toString(info.rcvMss()), m.get("rcvmss"));
            assertEquals(Integer.toString(info.pmtu()), m.get("pmtu"));
            assertEquals(Integer.toString(info.cwnd() / info.sndMss()), m.get("cwnd"));
            assertEquals(Long.toString(info.bytesReceived()), m.get("bytes_received"));
            assertEquals(Integer.toString(info.segsIn()), m.get("segs_in"));
            assertEquals(Integer.toString(info.segsOut()), m.get("segs_out"));
            assertEquals(Integer.toString(info.dataSegsIn()), m.get("data_segs_in"));
            assertEquals(Integer.toString(info.rcvSpace()), m.get("rcv_space"));
            assertEquals("40", m.get("ato"), "data arrived: the delayed-ACK timeout shows");
            assertEquals("Open", m.get("ca_state"));
            assertFalse(m.containsKey("bytes_sent"), "the stack sent no data: " + lines[2]);

            // Against Linux's view of the other end of the same connection.
            // Linux's bytes_sent counts retransmissions (it may resend a segment, e.g. a tail loss probe),
            // its bytes_acked the SYN's sequence number too.
            long retransmitted = lx.containsKey("bytes_retrans") ? Long.parseLong(lx.get("bytes_retrans")) : 0;
            assertEquals(BYTES + retransmitted, Long.parseLong(lx.get("bytes_sent")), linux);
            assertEquals(Long.parseLong(m.get("bytes_received")) + 1, Long.parseLong(lx.get("bytes_acked")),
                    "what Linux saw acknowledged (SYN included) is what we received");
            assertEquals(m.get("rcvmss"), lx.get("mss"), "our receive-MSS estimate is Linux's send MSS");
            assertEquals(m.get("pmtu"), lx.get("pmtu"));
            String[] ws = m.get("wscale").split(",");
            assertEquals(ws[1] + "," + ws[0], lx.get("wscale"), "window scales mirror each other");
            assertEquals(m.get("data_segs_in"), lx.get("data_segs_out"), "data segments Linux sent = data segments we received");
            assertEquals(m.get("segs_in"), lx.get("segs_out"), "segments Linux sent = segments we received\n" + ours + linux);
            assertEquals(m.get("segs_out"), lx.get("segs_in"), "segments we sent = segments Linux received\n" + ours + linux);
            assertTrue(m.containsKey("rtt") && m.get("rtt").matches("[0-9.]+/[0-9.]+"), lines[2]);

            // -4 / -6: the connection is listed under its own family only.
            boolean v6 = ssAddress().startsWith("[");
            String own = run(SsCommand.class, "-tnH", v6 ? "-6" : "-4", "--control", control.toString(), "sport", "=", ":9");
            String other = run(SsCommand.class, "-tnH", v6 ? "-4" : "-6", "--control", control.toString(), "sport", "=", ":9");
            assertEquals(1, own.lines().count(), "its own family lists the connection:\n" + own);
            assertTrue(own.contains(ssAddress() + ":9"), own);
            assertEquals("", other.strip(), "the other family does not");

            // Listeners (-l) and UDP sockets (-u) from the same control socket.
            String listening = run(SsCommand.class, "-tlnH", "--control", control.toString());
            assertEquals(List.of("LISTEN", "0", Integer.toString(backlogOf9()),
                    "0.0.0.0:9", "0.0.0.0:*"), List.of(listening.trim().split("\\s+")), listening);
            String udp = run(SsCommand.class, "-uanH", "--control", control.toString());
            assertEquals(List.of("UNCONN", "0", "0", "0.0.0.0:7", "0.0.0.0:*"), List.of(udp.trim().split("\\s+")), udp);
            String both = run(SsCommand.class, "-an", "--control", control.toString());
            assertTrue(both.startsWith("Netid"), "both protocols: a Netid column\n" + both);
            assertEquals(4, both.split("\n").length, "header, listener, connection, UDP socket\n" + both);
            client.cancel(true);
        }
    }

    @Test
    void nstatPrintsDeltasSinceItsLastRunAndTheHistoryFlagsWork() throws Exception {
        Path control = scratch().resolve("control.sock");
        Path history = scratch().resolve("nstat.history");
        try (ControlServer server = ControlServer.start(sandbox.stack(), control)) {
            String[] common = {"--control", control.toString(), "--history", history.toString()};
            String in = echoCounters()[0];
            String out = echoCounters()[1];
            String family = in.substring(0, in.indexOf("In")) + "*";   // Icmp* or Icmp6*
            String first = run(NstatCommand.class, concat(common, in, out));
            assertTrue(first.startsWith("#kernel\n"), first);
            ping("-c", "3", "-i", "0.2");
            String delta = run(NstatCommand.class, concat(common, family));
            assertEquals("#kernel\n"
                    + String.format("%-32s%-16d%6.1f%n", in, 3, 0.0)
                    + String.format("%-32s%-16d%6.1f%n", out, 3, 0.0), delta);
            String nothing = run(NstatCommand.class, concat(common, family));
            assertEquals("#kernel\n", nothing, "nothing changed since the last run");
            String zeros = run(NstatCommand.class, concat(common, "-z", in));
            assertEquals("#kernel\n" + String.format("%-32s%-16d%6.1f%n", in, 0, 0.0), zeros);
            ping("-c", "2", "-i", "0.2");
            String noUpdate1 = run(NstatCommand.class, concat(common, "-s", in));
            String noUpdate2 = run(NstatCommand.class, concat(common, "-s", in));
            assertEquals(String.format("#kernel%n%-32s%-16d%6.1f%n", in, 2, 0.0), noUpdate1);
            assertEquals(noUpdate1, noUpdate2, "-s leaves the history alone");
            String absolute = run(NstatCommand.class, concat(common, "-a", in));
            long total = sandbox.statistics().get(echoInStat());
            assertEquals(5, total);
            assertEquals(String.format("#kernel%n%-32s%-16d%6.1f%n", in, 5, 0.0), absolute);
            String reset = run(NstatCommand.class, concat(common, "-r", in));
            assertEquals(String.format("#kernel%n%-32s%-16d%6.1f%n", in, 5, 0.0), reset, "-r: history dropped");
            String json = run(NstatCommand.class, concat(common, "-j", "-a", in));
            assertEquals("{\"kernel\":{\"" + in + "\":5}}\n", json);
        }
    }

    private int backlogOf9() throws Exception {
        CompletableFuture<List<TcpLayer.ListenerEntry>> f = new CompletableFuture<>();
        sandbox.stack().execute(() -> f.complete(sandbox.stack().tcp().listeners()));
        return f.get(5, TimeUnit.SECONDS).stream().filter(l -> l.port() == 9).findFirst().orElseThrow().backlog();
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
