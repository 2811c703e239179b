package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The interpreter against a real tapwire stack, with small scripts whose expectations hold for
 * any RFC-conforming TCP (peers that offer only MSS, so the SYN-ACK carries only MSS too).
 */
class InterpreterTest {
    /** A listener on 8080 with the peer's SYN answered. */
    private static final String LISTEN = """
            --tolerance_usecs=10000
             0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
            +0    setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
            +0    bind(3, ..., ...) = 0
            +0    listen(3, 1) = 0
            +0    < S 0:0(0) win 32767 <mss 1460>
            +0    > S. 0:0(0) ack 1 win 65535 <mss 1460>
            """;

    private static ScriptResult run(String text) {
        return Interpreter.run("t.pkt", text, RunOptions.standard());
    }

    private static void assertPassed(ScriptResult r) {
        assertTrue(r.passed(), () -> r.status() + " " + r.location() + ": " + r.message() + "\n" + String.join("\n", r.trace()));
    }

    private static void assertFailedAt(ScriptResult r, int line, String messagePart) {
        assertEquals(ScriptResult.Status.FAILED, r.status(), () -> r.location() + ": " + r.message());
        assertEquals(line, r.line(), r::message);
        assertTrue(r.message().contains(messagePart), () -> "expected '" + messagePart + "' in: " + r.message());
    }

    @Test
    void passiveOpenDataAndCloseRunAsScripted() {
        assertPassed(run(LISTEN + """
                +0.1  < . 1:1(0) ack 1 win 32767
                +0    accept(3, ..., ...) = 4
                +0    < P. 1:101(100) ack 1 win 32767
                +0~+0.2 > . 1:1(0) ack 101
                +0    recv(4, ..., 1000, MSG_PEEK) = 100
                +0    recv(4, ..., 1000, 0) = 100
                +0    < F. 101:101(0) ack 1 win 32767
                +0~+0.2 > . 1:1(0) ack 102
                +0    recv(4, ..., 1000, 0) = 0
                +0    close(4) = 0
                +0    > F. 1:1(0) ack 102
                +0    < . 102:102(0) ack 2 win 32767
                +0    `sockstat -4 -P tcp -p 8080 -s | grep -c ESTABLISHED | grep 0`
                +0    close(3) = 0
                """));
    }

    @Test
    void aSegmentLargerThanTheLinkMtuArrivesInIpFragments() {
        assertPassed(run(LISTEN + """
                +0.1  < . 1:1(0) ack 1 win 32767
                +0    accept(3, ..., ...) = 4
                +0    < P. 1:4001(4000) ack 1 win 32767
                +0~+0.2 > . 1:1(0) ack 4001
                +0    recv(4, ..., 5000, 0) = 4000
                """));
    }

    /** {@link #LISTEN} over IPv6: the SYN-ACK offers MSS 1440 (1500 - 40 - 20). */
    private static final String LISTEN6 = "--ip_version=ipv6\n" + LISTEN.replace("> S. 0:0(0) ack 1 win 65535 <mss 1460>",
            "> S. 0:0(0) ack 1 win 65535 <mss 1440>");

    @Test
    void anIpv6ScriptRunsOverIpv6() {
        assertPassed(run(LISTEN6 + """
                +0.1  < . 1:1(0) ack 1 win 32767
                +0    accept(3, ..., ...) = 4
                +0    < P. 1:101(100) ack 1 win 32767
                +0~+0.2 > . 1:1(0) ack 101
                +0    recv(4, ..., 1000, 0) = 100
                +0    `sockstat -6 -P tcp -p 8080 -s | grep -c ESTABLISHED | grep 1`
                +0    `sockstat -4 -P tcp -p 8080 -s | grep -c ESTABLISHED | grep 0`
                +0    close(4) = 0
                +0    > F. 1:1(0) ack 101
                """));
    }

    @Test
    void anIpv6ScriptExpectingMss1460Fails() {
        ScriptResult r = run("--ip_version=ipv6\n" + LISTEN);
        assertEquals(ScriptResult.Status.FAILED, r.status(), r::message);
        assertTrue(r.message().contains("1440"), r.message());
    }

    @Test
    void aSegmentLargerThanTheLinkMtuArrivesInIpv6Fragments() {
        assertPassed(run(LISTEN6 + """
                +0.1  < . 1:1(0) ack 1 win 32767
                +0    accept(3, ..., ...) = 4
                +0    < P. 1:4001(4000) ack 1 win 32767
                +0~+0.2 > . 1:1(0) ack 4001
                +0    recv(4, ..., 5000, 0) = 4000
                """));
    }

    @Test
    void aDifferentFieldFailsAtItsLineWithTheDifference() {
        ScriptResult r = run(LISTEN.replace("ack 1 win 65535 <mss 1460>", "ack 1 win 1000 <mss 1460>"));
        assertFailedAt(r, 7, "window: expected 1000 got 65535");
        assertTrue(r.message().contains("actual: > S. 0:0(0) ack 1 win 65535 <mss 1460>"), r.message());

        assertFailedAt(run(LISTEN.replace("win 65535 <mss 1460>", "win 65535 <mss 1460,sackOK,eol,eol>")), 7,
                "tcp options: expected <mss 1460,sackOK,eol,eol> got <mss 1460>");
        assertFailedAt(run(LISTEN.replace("> S. 0:0(0) ack 1", "> S. 0:0(0) ack 2")), 7, "ack: expected 2 got 1");
        assertFailedAt(run(LISTEN.replace("> S. 0:0(0)", "> S 0:0(0)")), 7, "flags: expected S got S.");
    }

    @Test
    void timesAreCheckedAgainstTheTolerance() {
        assertPassed(run(LISTEN.replace("+0    > S.", "+0.009 > S.")));
        assertFailedAt(run(LISTEN.replace("+0    > S.", "+0.5  > S.")), 7,
                "timing error: expected the packet at 0.500000 s (tolerance 10000 us) but it was sent at 0.000000 s");
        assertPassed(run(LISTEN.replace("+0    > S.", "*     > S.")));
        assertPassed(run(LISTEN.replace("+0    > S.", "+0~+1 > S.")));
        assertFailedAt(run(LISTEN.replace("+0    > S.", "+1~+2 > S.")), 7, "timing error");
    }

    @Test
    @org.junit.jupiter.api.Timeout(5) // 7 s of script time: only virtual time finishes within the bound
    void retransmissionTimeoutsRunOnVirtualTime() {
        assertPassed(run(LISTEN + """
                +1.0  > S. 0:0(0) ack 1 win 65535 <mss 1460>
                +2.0  > S. 0:0(0) ack 1 win 65535 <mss 1460>
                +4.0  > S. 0:0(0) ack 1 win 65535 <mss 1460>
                +0    close(3) = 0
                """));
    }

    @Test
    void aBlockingCallWaitsOnVirtualTime() {
        ScriptResult r = run("""
                 0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
                +0 connect(3, ..., ...) = -1 ETIMEDOUT (Connection timed out)
                """);
        assertPassed(r);
        String last = r.trace().get(r.trace().size() - 1);
        assertTrue(last.contains("connect() returned after blocking"), last);
        assertTrue(Double.parseDouble(last.substring(0, last.indexOf(' '))) > 60, "the SYN retries took minutes of virtual time: " + last);
    }

    @Test
    void aBlockingCallThatCannotFinishFails() {
        assertFailedAt(run("""
                 0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
                +0 bind(3, ..., ...) = 0
                +0 listen(3, 1) = 0
                +0 accept(3, ..., ...) = 4
                """), 4, "accept() on a blocking socket never completes");
    }

    @Test
    void nonBlockingCallsReturnErrnoResults() {
        assertPassed(run("""
                 0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
                +0 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)
                +0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
                +0 fcntl(3, F_GETFL) = 0x06
                +0 bind(3, ..., ...) = 0
                +0 listen(3, 1) = 0
                +0 accept(3, ..., ...) = -1 EWOULDBLOCK (Operation would block)
                +0 accept(3, ..., ...) = -1 EAGAIN
                +0 close(3) = 0
                +0 close(3) = -1 EBADF
                """));
        assertFailedAt(run("""
                 0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
                +0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
                +0 bind(3, ..., ...) = 0
                +0 listen(3, 1) = 0
                +0 accept(3, ..., ...) = 4
                """), 5, "accept() returned -1 EAGAIN, expected 4");
        assertFailedAt(run(LISTEN + """
                +0.1  < . 1:1(0) ack 1 win 32767
                +0    fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
                +0    accept(3, ..., ...) = -1 EAGAIN
                """), 10, "accept() returned 4, expected -1 EAGAIN");
    }

    @Test
    void activeOpenRefusedReportsEconnrefused() {
        assertPassed(run("""
                 0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
                +0   fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
                +0   connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
                +0   > S 0:0(0) <...>
                +0.1 < R. 0:0(0) ack 1 win 0
                +0   getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0
                +0   getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
                +0   close(3) = 0
                """));
    }

    @Test
    void aSegmentForAClosedPortIsAnsweredWithTheNumbersAsWritten() {
        assertPassed(run("""
                 0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
                +0   bind(3, ..., ...) = 0
                +0.1 < . 17:20(3) ack 34 win 32767
                +0   > R 34:34(0) win 0
                +0   < S 100:100(0) win 32767
                +0   > R. 0:0(0) ack 101 win 0
                +0   close(3) = 0
                """));
    }

    @Test
    void sockstatCountsConnectionsByState() {
        assertPassed(run(LISTEN + """
                +0 `sockstat -4 -P tcp -p 8080 -s | grep -c SYN_RCVD | grep 1`
                +0 `sockstat -4 -P tcp -s | grep packetdril | grep -c LISTEN | grep 1`
                """));
        assertFailedAt(run(LISTEN + "+0 `sockstat -4 -P tcp -p 8080 -s | grep -c SYN_RCVD | grep 2`\n"), 8, "exited with status 1");
    }

    @Test
    void sockstatWithAPortThatIsNotANumberIsAScriptError() {
        // Found by PacketdrillFuzzTest: the NumberFormatException ended the run as an "interpreter error".
        ScriptResult r = run(LISTEN + "+0 `sockstat -4 -P tcp -p 80x80 -s | grep -c LISTEN | grep 1`\n");
        assertEquals(ScriptResult.Status.SKIPPED_UNSUPPORTED, r.status(), r::message);
        assertEquals(8, r.line());
        assertTrue(r.message().startsWith("script error: sockstat -p needs port numbers"), r::message);
    }

    @Test
    void anUnscriptedSegmentIsTheDifferenceAtTheNextExpectedOne() {
        // The peer's data is acknowledged (at once or by the delayed-ACK timer) before the FIN the
        // script expects first.
        ScriptResult r = run(LISTEN + """
                +0.1  < . 1:1(0) ack 1 win 32767
                +0    accept(3, ..., ...) = 4
                +0    < P. 1:101(100) ack 1 win 32767
                +0.5  shutdown(4, SHUT_WR) = 0
                +0    > F. 1:1(0) ack 101
                """);
        assertFailedAt(r, 12, "flags: expected F. got .");
    }

    @Test
    void ipv4MappedAndUnsupportedConstructsAreSkippedNeverPassed() {
        // An IPv6 socket talking to an IPv4 peer is not modelled; plain IPv6 scripts run (see below).
        assertEquals(ScriptResult.Status.SKIPPED_IPV6,
                run("--ip_version=ipv4-mapped-ipv6\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n").status());
        ScriptResult poll = run("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 poll([{fd=3, events=POLLIN}], 1, 0) = 0\n");
        assertEquals(ScriptResult.Status.SKIPPED_UNSUPPORTED, poll.status());
        assertTrue(poll.message().contains("system call poll()"), poll.message());
        ScriptResult cmd = run("0 `ifconfig tun0 mtu 1000`\n");
        assertEquals(ScriptResult.Status.SKIPPED_UNSUPPORTED, cmd.status());
        ScriptResult late = run("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 `sysctl -w net.inet.tcp.recvspace=1000`\n");
        assertEquals(ScriptResult.Status.SKIPPED_UNSUPPORTED, late.status(), late::message);
    }

    @Test
    void sysctlsMapToSettingsOrAreNotedAndIgnored() {
        ScriptResult r = run("""
                 0 `sysctl -w net.inet.tcp.rexmit_initial=3000`
                +0 `sysctl -w net.inet.tcp.insecure_rst=1`
                +0 `sysctl -w net.inet.tcp.no_such_thing=7`
                """ + LISTEN.substring(LISTEN.indexOf('\n') + 1).replaceFirst(" 0 ", "+0 ") + """
                +3.0  > S. 0:0(0) ack 1 win 65535 <mss 1460>
                """);
        assertPassed(r);
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("tcpInitialRtoNanos = 3000000000")), () -> String.join("\n", r.notes()));
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("insecure_rst=1") && n.contains("tcpInsecureRst = true")),
                () -> String.join("\n", r.notes()));
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("no_such_thing=7: no tapwire setting, ignored")));
    }

    @Test
    void freeBsdSyncookiesSysctlSetsTcpSyncookies() {
        ScriptResult off = run("0 `sysctl -w net.inet.tcp.syncookies=0`\n");
        assertTrue(off.notes().stream().anyMatch(n -> n.contains("syncookies=0: tcpSyncookies = 0")), () -> String.join("\n", off.notes()));
        ScriptResult on = run("0 `sysctl -w net.inet.tcp.syncookies_only=0`\n+0 `sysctl -w net.inet.tcp.syncookies=1`\n");
        assertTrue(on.notes().stream().anyMatch(n -> n.contains("syncookies=1: tcpSyncookies = 1 (already)")), () -> String.join("\n", on.notes()));
        assertTrue(on.notes().stream().anyMatch(n -> n.contains("syncookies_only=0: no tapwire setting") && n.contains("(matches)")),
                () -> String.join("\n", on.notes()));
    }

    @Test
    void theFirstEventIsAtTimeZero() {
        ScriptResult r = run("+1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
        assertEquals(ScriptResult.Status.SKIPPED_UNSUPPORTED, r.status());
        assertTrue(r.message().contains("first event should be at time 0"), r.message());
    }
}
