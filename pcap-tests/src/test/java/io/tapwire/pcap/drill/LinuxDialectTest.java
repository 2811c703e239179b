package io.tapwire.pcap.drill;

import io.tapwire.StackConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Linux's packetdrill dialect: the profile and its shell lines ({@link LinuxShell},
 * {@link LinuxSysctls}), GSO-sized expectations, %{ assert }% blocks, blocking start...end calls,
 * epoll/ioctl, and per-folder groups of a Linux tree, on small scripts against a real stack.
 */
class LinuxDialectTest {
    /** A listener whose peer (MSS 1000) completes the handshake at 0.1 s; options of the SYN-ACK unchecked. */
    private static final String ACCEPTED = """
            `../common/defaults.sh`
                0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
               +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
               +0 bind(3, ..., ...) = 0
               +0 listen(3, 1) = 0
               +0 < S 0:0(0) win 32792 <mss 1000>
               +0 > S. 0:0(0) ack 1 <...>
              +.1 < . 1:1(0) ack 1 win 32792
               +0 accept(3, ..., ...) = 4
            """;

    private static ScriptResult run(String text) {
        return Interpreter.run("t.pkt", text, RunOptions.standard(), null);
    }

    private static void assertPassed(ScriptResult r) {
        assertTrue(r.passed(), () -> r.status() + " " + r.location() + ": " + r.message() + "\n" + String.join("\n", r.trace())
                + "\n" + String.join("\n", r.notes()));
    }

    private static void assertFailedAt(ScriptResult r, int line, String part) {
        assertEquals(ScriptResult.Status.FAILED, r.status(), () -> r.location() + ": " + r.message());
        assertEquals(line, r.line(), r::message);
        assertTrue(r.message().contains(part), () -> "expected '" + part + "' in: " + r.message());
    }

    @Test
    void defaultsShIsFoundBesideTheScriptFollowedAsALinkAndMappedByLinuxName(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("common"));
        Files.writeString(root.resolve("common/defaults.sh"), """
                #!/bin/bash
                # comment
                ip tcp_metrics flush all > /dev/null 2>&1
                sysctl -q net.ipv4.tcp_rmem="4096 540000 $((15*1024*1024))"
                sysctl -q net.ipv4.tcp_syn_retries=3 net.ipv4.tcp_sack=0
                sysctl -q net.ipv4.tcp_fack=0
                sysctl -q net.ipv4.tcp_fin_timeout=30
                sysctl -q net.ipv4.tcp_congestion_control=reno
                tc qdisc add dev tun0 root pfifo
                """);
        Files.createDirectories(root.resolve("tcp/common"));
        Files.createDirectories(root.resolve("tcp/sack"));
        Files.writeString(root.resolve("tcp/common/defaults.sh"), "../../common/defaults.sh");
        StackConfig c = LinuxProfile.stackConfig();
        List<String> notes = new ArrayList<>();
        new LinuxShell(c, root.resolve("tcp/sack"), notes).run("../common/defaults.sh", 3, false);
        assertEquals(540000, c.tcpRmemDefault);
        assertEquals(15 * 1024 * 1024, c.tcpRmemMax);
        assertEquals(3, c.tcpSynRetries);
        assertFalse(c.tcpSack);
        assertEquals(30_000_000_000L, c.tcpFinTimeoutNanos);
        assertEquals("reno", c.tcpCongestionControl);
        assertTrue(notes.stream().anyMatch(n -> n.contains("tcp_fack=0: no tapwire setting")), () -> String.join("\n", notes));
        assertTrue(LinuxProfile.applies(root.resolve("tcp/sack/x.pkt"), "0 close(3) = 0"));
        assertFalse(LinuxProfile.applies(null, "0 `sysctl -w net.inet.tcp.sack.enable=1`"));
    }

    @Test
    void withoutTheFileLinuxsOwnDefaultsApply() {
        StackConfig c = LinuxProfile.stackConfig();
        c.tcpSynRetries = 9;
        List<String> notes = new ArrayList<>();
        new LinuxShell(c, null, notes).run("../common/defaults.sh", 1, false);
        assertEquals(5, c.tcpSynRetries);
        assertEquals(540000, c.tcpRmemDefault);
        assertTrue(notes.get(0).contains("not found"), notes::toString);
    }

    @Test
    void shellCommentsAlternativesAndNstatGrep() {
        StackConfig c = LinuxProfile.stackConfig();
        List<String> notes = new ArrayList<>();
        LinuxShell shell = new LinuxShell(c, null, notes);
        // '#' starts a comment (a word's start, outside quotes).
        shell.run("sysctl -q net.ipv4.tcp_ecn=1  # fully enabled", 1, false);
        assertEquals(1, c.tcpEcn);
        assertEquals("a 'b#c' ", LinuxShell.withoutComment("a 'b#c' # d"));
        // A || B: B runs when A has no counterpart (an unknown command fails like an old kernel's).
        shell.run("frobnicate --now &> /dev/null || sysctl -q net.ipv4.tcp_ecn=2", 1, false);
        assertEquals(2, c.tcpEcn);
        // ... and not when A worked.
        shell.run("sysctl -q net.ipv4.tcp_ecn=0 || frobnicate", 1, false);
        assertEquals(0, c.tcpEcn);
        // nstat | grep NAME fails the script unless the counter grew since the last nstat.
        shell.run("nstat > /dev/null", 1, false);
        ScriptFailure f = assertThrows(ScriptFailure.class, () -> shell.run("nstat | grep TcpExtOutOfWindowIcmps > /dev/null", 2, false));
        assertTrue(f.getMessage().contains("did not grow"), f.getMessage());
        ScriptException e = assertThrows(ScriptException.class, () -> shell.run("nstat | grep TcpExtNoSuchCounter", 3, false));
        assertEquals(ScriptException.Kind.UNSUPPORTED, e.kind());
    }

    @Test
    void shellCommandsWithoutACounterpartMakeTheScriptUnsupported() {
        StackConfig c = LinuxProfile.stackConfig();
        List<String> notes = new ArrayList<>();
        LinuxShell shell = new LinuxShell(c, null, notes);
        for (String cmd : List.of("ethtool -K tun0 rx-checksumming off", "ip route change 192.0.2.1 dev tun0 mtu lock 640", "tc qdisc replace dev tun0 root fq",
                "echo 800 > /sys/module/tcp_cubic/parameters/beta")) {
            ScriptException e = assertThrows(ScriptException.class, () -> shell.run(cmd, 1, false), cmd);
            assertEquals(ScriptException.Kind.UNSUPPORTED, e.kind(), cmd);
        }
        // Once the stack exists, a setting it reads when used changes as in Linux; one it reads at start cannot.
        shell.run("sysctl -q net.ipv4.tcp_ecn=1", 1, true);
        assertEquals(1, c.tcpEcn);
        ScriptException late = assertThrows(ScriptException.class, () -> shell.run("sysctl -q net.ipv4.tcp_moderate_rcvbuf=0", 1, true));
        assertEquals(ScriptException.Kind.UNSUPPORTED, late.kind());
        assertEquals(40, LinuxShell.arithmetic("2+3*4*3+2", 1));
        // ethtool -K: with TSO and GSO both off, expected segments are compared as sent.
        shell.run("ethtool -K tun0 tso off", 1, false);
        assertTrue(shell.segmentationOffload());
        shell.run("ethtool -K tun0 gso off gro off", 1, false);
        assertFalse(shell.segmentationOffload());
    }

    @Test
    void aGsoSizedExpectationMatchesTheMssSegmentsSentAtOnce() {
        String script = ACCEPTED + """
                   +0 write(4, ..., 3000) = 3000
                   +0 > P. 1:3001(3000) ack 1
                """;
        assertPassed(run(script));
        // --strict_segments: each segment as sent.
        assertFailedAt(run("--strict_segments\n" + script), 12, "flags: expected P. got .");
    }

    @Test
    void tcpInfoAssertsAreEvaluated() {
        assertPassed(run(ACCEPTED + """
                   +0 %{ assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd }%
                   +0 %{ assert tcpi_snd_wnd == 32792 }%
                   +0 %{
                cwnd = 10
                assert tcpi_ca_state == TCP_CA_Open and tcpi_snd_ssthresh == TCP_INFINITE_SSTHRESH
                cwnd += 2; assert 11 <= cwnd <= 12  # chained
                }%
                """));
        assertFailedAt(run(ACCEPTED + "   +0 %{ assert tcpi_snd_cwnd == 11, tcpi_snd_cwnd }%\n"), 10,
                "tcpi_snd_cwnd = 10");
        assertEquals(ScriptResult.Status.SKIPPED_UNSUPPORTED, run(ACCEPTED + "   +0 %{ assert tcpi_fackets == 0 }%\n").status());
        // The handshake's ACK delivered the SYN-ACK (Linux's tcp_rcv_state_process counts it).
        assertPassed(run(ACCEPTED + "   +0 %{ assert tcpi_delivered == 1 and tcpi_delivered_ce == 0 }%\n"));
        assertPassed(run(ACCEPTED + "   +0 %{ assert tcpi_reordering == 3 and tcpi_unacked == 0 and tcpi_retrans == 0 }%\n"));
    }

    @Test
    void aBlockingCallWithStartAndEndReturnsAtTheEnd() {
        String head = """
                `../common/defaults.sh`
                    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
                   +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
                   +0 bind(3, ..., ...) = 0
                   +0 listen(3, 1) = 0
                   +0 < S 0:0(0) win 32792 <mss 1000>
                   +0 > S. 0:0(0) ack 1 <...>
                """;
        // accept() blocks while the script goes on; the ACK at 0.2 s lets it return then.
        assertPassed(run(head + "   +0...0.2 accept(3, ..., ...) = 4\n  +.2 < . 1:1(0) ack 1 win 32792\n"));
        assertFailedAt(run(head + "   +0...0.1 accept(3, ..., ...) = 4\n  +.2 < . 1:1(0) ack 1 win 32792\n"), 8,
                "expected accept() to return at 0.100000 s");
    }

    @Test
    void epollAndIoctlSeeArrivingData() {
        assertPassed(run(ACCEPTED + """
                   +0 epoll_create(1) = 5
                   +0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLIN, fd=4}) = 0
                   +0 epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0
                   +0 ioctl(4, SIOCINQ, [0]) = 0
                   +0 poll([{fd=4, events=POLLIN, revents=0}], 1, 0) = 0
                   +0 poll([{fd=4, events=POLLOUT|POLLWRNORM, revents=POLLOUT|POLLWRNORM}], 1, 0) = 1
                   +0 getpeername(4, ..., ...) = 0
                   +0 < P. 1:1001(1000) ack 1 win 32792
                   +0 poll([{fd=4, events=POLLIN, revents=POLLIN}], 1, 0) = 1
                   +0 epoll_wait(5, {events=EPOLLIN, fd=4}, 1, 0) = 1
                   +0 ioctl(4, SIOCINQ, [1000]) = 0
                   +0 recv(4, ..., 1000, MSG_DONTWAIT) = 1000
                   +0 recv(4, ..., 1000, MSG_DONTWAIT) = -1 EAGAIN (Resource temporarily unavailable)
                """));
        assertFailedAt(run(ACCEPTED + """
                   +0 epoll_create(1) = 5
                   +0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLIN, fd=4}) = 0
                   +0 epoll_wait(5, {events=EPOLLIN, fd=4}, 1, 0) = 1
                """), 12, "epoll_wait() returned 0, expected 1");
        assertFailedAt(run(ACCEPTED + "   +0 poll([{fd=4, events=POLLIN|POLLOUT, revents=POLLOUT|POLLIN}], 1, 0) = 1\n"), 10,
                "revents expected EPOLLIN|EPOLLOUT got EPOLLOUT");
        // A timeout blocks on virtual time until it ends.
        assertPassed(run(ACCEPTED + """
                   +0 epoll_create(1) = 5
                   +0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLIN, fd=4}) = 0
                   +0...0.150 epoll_wait(5, {events=0, ptr=0}, 1, 50) = 0
                """));
    }

    @Test
    void numbersAfterTheSynCountFromEachSidesIsnAndEachConnectionGetsAPortAndMayReuseADescriptor() {
        String listen = """
                   +0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
                   +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
                   +0 bind(3, ..., ...) = 0
                   +0 listen(3, 1) = 0
                """;
        assertPassed(run("`../common/defaults.sh`\n" + listen + """
                   +0 < S 999000:999000(0) win 32792 <mss 1000>
                   +0 > S. 1234:1234(0) ack 999001 <...>
                   +0 < . 1:1(0) ack 1 win 32792
                   +0 accept(3, ..., ...) = 4
                   +0 < P. 1:101(100) ack 1 win 32792
                   +0 > . 1:1(0) ack 101
                   +0 close(3) = 0
                """ + listen + """
                   +0 < S 5000:5000(0) win 32792 <mss 1000>
                   +0 > S. 0:0(0) ack 5001 <...>
                   +0 < . 1:1(0) ack 1 win 32792
                   +0 accept(3, ..., ...) = 4
                   +0 write(4, ..., 10) = 10
                   +0 > P. 1:11(10) ack 1
                """));
        // The peer's numbers after its SYN are relative: written as absolute, the ACK is out of the window.
        ScriptResult absolute = run("`../common/defaults.sh`\n" + listen + """
                   +0 < S 999000:999000(0) win 32792 <mss 1000>
                   +0 > S. 0:0(0) ack 999001 <...>
                   +0 < . 999001:999001(0) ack 1 win 32792
                   +0 accept(3, ..., ...) = 4
                """);
        assertEquals(ScriptResult.Status.FAILED, absolute.status(), absolute::message);
    }

    @Test
    void gatheringWritesSendTheIovecsTotal() {
        assertPassed(run(ACCEPTED + """
                   +0 sendmsg(4, {msg_name(...)=...,
                                  msg_iov(2)=[{..., 100}, {..., 50}],
                                  msg_flags=0}, 0) = 150
                   +0 > P. 1:151(150) ack 1
                  +.1 < . 1:1(0) ack 151 win 32792
                   +0 writev(4, [{..., 10}, {..., 0}], 2) = 10
                   +0 > P. 151:161(10) ack 1
                """));
        // MSG_MORE and MSG_ZEROCOPY are supported (MSG_MORE like TCP_CORK for the call); a flag tapwire
        // lacks (MSG_OOB, 0x1) makes the script unsupported.
        assertEquals(ScriptResult.Status.PASSED, run(ACCEPTED
                + "   +0 sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 10}], msg_flags=0}, MSG_MORE) = 10\n").status());
        assertEquals(ScriptResult.Status.PASSED, run(ACCEPTED
                + "   +0 sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 10}], msg_flags=0}, MSG_ZEROCOPY) = 10\n").status());
        assertEquals(ScriptResult.Status.SKIPPED_UNSUPPORTED, run(ACCEPTED
                + "   +0 sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 10}], msg_flags=0}, 0x1) = 10\n").status());
    }

    @Test
    void withATimestampTickTheStacksTsValMustFollowTheScriptsClock() {
        String script = """
                `../common/defaults.sh`
                    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
                   +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
                   +0 bind(3, ..., ...) = 0
                   +0 listen(3, 1) = 0
                   +0 < S 0:0(0) win 32792 <mss 1000,sackOK,TS val 100 ecr 0,nop,wscale 7>
                   +0 > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 100 ecr 100,nop,wscale 8>
                   +0 < . 1:1(0) ack 1 win 257 <nop,nop,TS val 101 ecr 100>
                   +0 accept(3, ..., ...) = 4
                  +.1 write(4, ..., 10) = 10
                   +0 > P. 1:11(10) ack 1 <nop,nop,TS val %d ecr 101>
                """;
        assertPassed(run("--tcp_ts_tick_usecs=1000\n" + script.formatted(200)));
        assertFailedAt(run("--tcp_ts_tick_usecs=1000\n" + script.formatted(150)), 12, "TS val: expected 150 got 200");
        // Without a tick any TSval is accepted, as packetdrill does.
        assertPassed(run(script.formatted(150)));
    }

    @Test
    void congestionControlSetBeforeListenIsTheAcceptedConnections() {
        String script = """
                `../common/defaults.sh`
                    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
                   +0 setsockopt(3, SOL_TCP, TCP_CONGESTION, "reno", 4) = 0
                   +0 setsockopt(3, SOL_TCP, TCP_CONGESTION, "nosuch", 6) = -1 ENOENT (No such file or directory)
                   +0 bind(3, ..., ...) = 0
                   +0 listen(3, 1) = 0
                   +0 < S 0:0(0) win 32792 <mss 1000>
                   +0 > S. 0:0(0) ack 1 <...>
                   +0 < . 1:1(0) ack 1 win 32792
                   +0 accept(3, ..., ...) = 4
                   +0 getsockopt(4, SOL_TCP, TCP_CONGESTION, "%s", [16]) = 0
                """;
        assertPassed(run(script.formatted("reno")));
        assertFailedAt(run(script.formatted("cubic")), 11, "expected \"cubic\" got \"reno\"");
    }

    @Test
    void sockNonblockInTheTypeMakesTheSocketNonBlocking() {
        assertPassed(run("""
                `../common/defaults.sh`
                    0 socket(..., SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, IPPROTO_TCP) = 3
                   +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
                   +0 > S 0:0(0) <...>
                """));
    }

    @Test
    void fcntlFlagsUseLinuxsONonblock() {
        assertPassed(run(ACCEPTED + """
                   +0 fcntl(4, F_GETFL) = 0x2 (flags O_RDWR)
                   +0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
                   +0 fcntl(4, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)
                   +0 read(4, ..., 10) = -1 EAGAIN (Resource temporarily unavailable)
                   +0 fcntl(4, F_SETFL, 0x2) = 0
                   +0 fcntl(4, F_GETFL) = O_RDWR
                """));
    }

    @Test
    void aLinuxTreeIsReportedPerFolder(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("common"));
        Files.writeString(root.resolve("common/defaults.sh"), "sysctl -q net.ipv4.tcp_sack=1\n");
        for (String folder : List.of("alpha", "beta")) {
            Files.createDirectories(root.resolve(folder));
            Files.writeString(root.resolve(folder).resolve(folder + ".pkt"), "`../common/defaults.sh`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
        }
        List<Conformance.Group> groups = Conformance.run(List.of(root), null, RunOptions.standard());
        assertEquals(List.of("alpha", "beta"), groups.stream().map(Conformance.Group::name).toList());
        assertEquals("alpha/alpha.pkt", groups.get(0).results().get(0).name());
        assertTrue(groups.get(0).results().get(0).passed(), () -> groups.get(0).results().get(0).message());
    }

    @Test
    void mssOptionDeliversALongSegmentAsOneGroPacketOfThatSegmentSize() {
        // Linux's gro/gro-mss-option.pkt: tcp_measure_rcv_mss takes the GRO packet's gso_size.
        assertPassed(run("--mss=1000\n" + ACCEPTED + """
                   +0 < . 1:10001(10000) win 320
                   +0 > . 1:1(0) ack 10001
                   +0 %{ assert tcpi_rcv_mss == 1000, tcpi_rcv_mss }%
                """));
        // Without it the segment arrives IP-fragmented and counts as one of its own size (capped by advmss).
        assertPassed(run(ACCEPTED + """
                   +0 < . 1:10001(10000) win 320
                   +0 > . 1:1(0) ack 10001
                   +0 %{ assert tcpi_rcv_mss == 1460, tcpi_rcv_mss }%
                """));
    }
}
