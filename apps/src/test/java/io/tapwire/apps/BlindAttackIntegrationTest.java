package io.tapwire.apps;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.tap.Netns;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Blind attacks from a real peer in the namespace (issue 11, item 5): Linux holds a connection to
 * the stack's echo service and uses it, while scapy ({@code tools/blind_attacks.py}) learns the
 * connection's sequence numbers from tap0 and injects what an off-path attacker who knows the
 * 4-tuple and roughly where the window is could send:
 * <ul>
 *   <li>RSTs inside the window but not at RCV.NXT (RFC 5961 section 3): a challenge ACK each;</li>
 *   <li>SYNs on the established connection, in and outside the window (RFC 5961 section 4): a
 *       challenge ACK each;</li>
 *   <li>data at exactly RCV.NXT with an ACK for data never sent, or older than the window
 *       (RFC 5961 section 5): dropped, answered with an ACK;</li>
 *   <li>ICMP errors (fragmentation needed with MTU 576, port and host unreachable) quoting the
 *       connection with a sequence number outside SND.UNA..SND.NXT (RFC 5927 section 4.1):
 *       ignored, counted, the MSS unchanged.</li>
 * </ul>
 * After every attack the echo answers a fresh message byte for byte. At the end a RST at exactly
 * RCV.NXT does reset the connection: the control that the attacks used the right numbers.
 */
class BlindAttackIntegrationTest extends TcpSandboxTestBase {
    private static final Duration BOUND = Duration.ofSeconds(90);
    private static final Pattern STEP = Pattern.compile("^step (\\S+) (.*)$", Pattern.MULTILINE);
    private static final List<String> CHALLENGED = List.of("rst-in-window-next", "rst-in-window-middle", "syn-in-window",
            "syn-random", "data-ack-too-old");

    /** The forged ICMP errors' steps in the script: fragmentation needed (MTU 576), port and host unreachable. */
    List<String> icmpSteps() {
        return List.of("icmp-frag-needed-unsent", "icmp-frag-needed-acked", "icmp-port-unreachable", "icmp-host-unreachable");
    }

    /** Linux's address the attacks come from. */
    String client() {
        return Sandbox.HOST_ADDRESS;
    }

    /** The stack's address the connection goes to. */
    String server() {
        return STACK;
    }

    @Override
    String[] tools() {
        // scapy's own interpreter runs the script (python3 on the PATH may be another one).
        return new String[] {"scapy", "sh"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        return new Sandbox.Options().tcpServices(new TcpServices.Selection(true, false, false, false))
                .io(TcpServices.IoModel.URING);
    }

    @Test
    void inWindowRstSynAndBadAckGetChallengeAcksAndForgedIcmpErrorsAreIgnored() throws Exception {
        Path dir = scratch();
        Path script = dir.resolve("blind_attacks.py");
        try (InputStream in = getClass().getResourceAsStream("/tools/blind_attacks.py")) {
            Files.copy(in, script);
        }
        String python = scapyPython();
        CompletableFuture<Netns.Result> attacker = inBackground("scapy", () -> shell(BOUND,
                python + " " + script + " --src " + client() + " --dst " + server() + " --dir " + dir + " --seconds " + (BOUND.toSeconds() - 10)));

        int port = Integer.parseInt(awaitFile(dir.resolve("port"), attacker).strip());
        TcpLayer.TcpInfoEntry before = awaitConnection(port);
        int mss = before.info().sndMss();
        long challengeAcks = stat(Stat.TCP_CHALLENGE_ACKS);

        awaitFile(dir.resolve("attacks-done"), attacker);
        TcpLayer.TcpInfoEntry after = connection(port).orElseThrow(() -> new AssertionError(
                "the connection is gone after the attacks\n" + sandbox.statistics().format()));
        String counters = sandbox.statistics().format();
        assertEquals(TcpState.ESTABLISHED, after.info().state(), "the connection survives every attack\n" + counters);
        assertEquals(mss, after.info().sndMss(), "forged fragmentation-needed errors leave the MSS alone\n" + counters);
        assertEquals(CHALLENGED.size(), stat(Stat.TCP_CHALLENGE_ACKS) - challengeAcks, "challenge ACKs sent\n" + counters);
        assertEquals(CHALLENGED.size(), stat(DropReason.TCP_CHALLENGED), counters);
        assertEquals(1, stat(DropReason.TCP_BAD_ACK), "data acknowledging unsent data is dropped\n" + counters);
        List<String> icmp = icmpSteps();
        assertEquals(icmp.size(), stat(DropReason.TCP_ICMP_OUT_OF_WINDOW), "forged ICMP errors counted\n" + counters);
        assertEquals(0, stat(Stat.TCP_ESTAB_RESETS), counters);

        Files.writeString(dir.resolve("control"), "go");
        Netns.Result r = attacker.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        assertEquals(0, r.exitCode(), describe(r));
        Map<String, String> steps = steps(r.stdout());
        System.out.println(getClass().getSimpleName() + ": connection [" + client() + "]:" + port + " -> [" + server() + "]:7, MSS " + mss + "\n" + r.stdout()
                + "stack: " + counters.replace('\n', ' '));

        for (String name : CHALLENGED) {
            assertStep(steps, name, "challenge=1 answered=1 echo=1", r);
        }
        // An ACK for data never sent is answered with a plain ACK (RFC 5961 5.2), same numbers.
        assertStep(steps, "data-ack-unsent", "challenge=1 answered=1 echo=1", r);
        for (String name : icmp) {
            assertStep(steps, name, "challenge=0 answered=0 echo=1", r);
        }
        assertStep(steps, "control-exact-rst", "reset=1", r);
        assertEquals(1, stat(Stat.TCP_ESTAB_RESETS), "the exact RST resets the connection\n" + sandbox.statistics().format());
        assertTrue(connection(port).isEmpty(), "and it is gone");
    }

    private static void assertStep(Map<String, String> steps, String name, String expected, Netns.Result r) {
        String got = steps.get(name);
        assertTrue(got != null && got.startsWith(expected), "step " + name + ": expected " + expected + ", got " + got
                + "\n" + r.stdout() + r.stderr());
    }

    private static Map<String, String> steps(String out) {
        Matcher m = STEP.matcher(out);
        Map<String, String> steps = new java.util.LinkedHashMap<>();
        while (m.find()) {
            steps.put(m.group(1), m.group(2));
        }
        return steps;
    }

    /** The interpreter scapy is installed for (Debian's python3-scapy is for /usr/bin/python3). */
    private static String scapyPython() throws Exception {
        Path scapy = Requirements.tool("scapy");
        String shebang = Files.readAllLines(scapy).get(0);
        return shebang.startsWith("#!") ? shebang.substring(2).strip() : "/usr/bin/python3";
    }

    private Optional<TcpLayer.TcpInfoEntry> connection(int port) {
        return sandbox.stack().tcp().connections().stream().filter(c -> c.remotePort() == port && c.localPort() == 7).findFirst();
    }

    private TcpLayer.TcpInfoEntry awaitConnection(int port) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            Optional<TcpLayer.TcpInfoEntry> c = connection(port);
            if (c.isPresent() && c.get().info().state() == TcpState.ESTABLISHED) {
                return c.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no established connection from port " + port + ": "
                + sandbox.stack().tcp().connections().stream().map(Object::toString).collect(Collectors.joining("; ")));
    }

    private static String awaitFile(Path file, CompletableFuture<Netns.Result> attacker) throws Exception {
        long end = System.nanoTime() + BOUND.toNanos();
        while (!Files.exists(file)) {
            if (attacker.isDone()) {
                Netns.Result r = attacker.get();
                throw new AssertionError("the attacker stopped before " + file.getFileName() + ": exit " + r.exitCode() + "\n"
                        + r.stdout() + r.stderr());
            }
            if (System.nanoTime() >= end) {
                // A bound against hanging, not a speed requirement: the awaited step never came.
                fail("gave up waiting: no " + file.getFileName() + " in time");
            }
            Thread.sleep(50);
        }
        Thread.sleep(20); // the writer closes the file right after creating it
        return Files.readString(file);
    }
}
