package io.tapwire.apps.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.InputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tapwire bench echo-qps} without running it: options, parsing {@code tapwire load}'s output, ratios and the target. */
class EchoQpsCommandTest {
    @Test
    void defaultsAreTheNotesExperimentWithEveryServer() {
        EchoQpsCommand cmd = parse();
        assertEquals(50, cmd.threads);
        assertEquals(100, cmd.connections);
        assertEquals(1_000_000, cmd.requests);
        assertEquals(512, cmd.size);
        assertNull(cmd.validate());
        List<String> ids = cmd.servers().stream().map(EchoServers.Server::id).toList();
        assertEquals(List.of("tapwire_blocking", "tapwire_epoll", "tapwire_uring", "linux_epoll", "linux_uring"), ids);
    }

    @Test
    void serverListsAndLimitsAreChecked() {
        EchoQpsCommand cmd = parse("--tapwire-io", "blocking", "--linux", "epoll", "-n", "200000");
        assertEquals(List.of("tapwire_blocking", "linux_epoll"), cmd.servers().stream().map(EchoServers.Server::id).toList());
        assertThrows(IllegalArgumentException.class, () -> parse("--tapwire-io", "select").servers());
        assertThrows(IllegalArgumentException.class, () -> parse("--linux", "kqueue").servers());
        assertThrows(IllegalArgumentException.class, () -> parse("--tapwire-io", "none", "--linux", "none").servers());
        assertNotNull(parse("-c", "300", "-t", "50").validate(), "more than the blocking echo service serves");
        assertNotNull(parse("--accepts", "30000").validate(), "more than the client's ports");
        assertNotNull(parse("-c", "10", "-t", "50").validate(), "fewer connections than threads");
    }

    @Test
    void loadOutputIsParsed() {
        EchoQpsReport.Run r = EchoQpsCommand.parse("success: 1000000, failed: 2, time_used: 9545, qps: 104766\n"
                + "latency: p50 901.1 us, p99 1867.8 us, max 6716.8 us\n");
        assertEquals(new EchoQpsReport.Run(1_000_000, 2, 9545, 104_766, 901.1, 1867.8, 6716.8), r);
        assertEquals(new EchoQpsReport.Run(5, 0, 1, 5000, null, null, null), EchoQpsCommand.parse("success: 5, failed: 0, time_used: 1, qps: 5000\n"));
        assertNull(EchoQpsCommand.parse("tapwire load: cannot connect to 10.0.0.2:7\n"));
    }

    @Test
    void ratiosAreToLinuxEpollAndTheTargetUsesTheFastestTapwireServer() {
        EchoQpsReport report = new EchoQpsReport("echo", "accepts");
        EchoServers.Server blocking = EchoServers.Server.tapwire(EchoServers.TapwireIo.BLOCKING);
        EchoServers.Server epoll = EchoServers.Server.tapwire(EchoServers.TapwireIo.EPOLL);
        report.echo.row(blocking).runs.add(run(40_000));
        report.echo.row(epoll).skipped = "not in this build";
        report.echo.row(EchoServers.Server.linuxEpoll()).runs.add(run(100_000));
        report.echo.row(EchoServers.Server.linuxUring()).runs.add(run(125_000));
        assertEquals(0.4, report.echo.ratio(report.echo.row(blocking)), 1e-9);
        assertEquals(1.25, report.echo.ratio(report.echo.row(EchoServers.Server.linuxUring())), 1e-9);
        assertTrue(report.targetLine().contains("= 0.40, goal >= 0.80: NOT met"), report.targetLine());
        String table = report.table(report.echo);
        assertTrue(table.contains("0.40x") && table.contains("1.25x") && table.contains("skipped: not in this build"), table);
        String json = report.json();
        assertTrue(json.contains("\"ratio_to_linux_epoll\": 0.4000"), json);
        assertTrue(json.contains("\"fastest_tapwire\": \"tapwire_blocking\", \"ratio\": 0.4000, \"met\": false"), json);
        report.echo.row(blocking).runs.add(run(90_000));
        report.echo.row(blocking).runs.add(run(85_000));
        assertEquals(85_000, report.echo.row(blocking).qps(), 1e-9, "median of three runs");
        assertTrue(report.targetLine().contains("= 0.85, goal >= 0.80: met"), report.targetLine());
    }

    @Test
    void theCServersArePackedIntoTheJar() throws Exception {
        for (String program : List.of("epoll_echo", "uring_echo")) {
            try (InputStream in = CServers.class.getResourceAsStream(CServers.RESOURCES + program + ".c")) {
                assertNotNull(in, program + ".c missing from the classpath");
                String source = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
                assertTrue(source.contains("printf(\"ready"), program + " does not print ready");
            }
        }
    }

    private static EchoQpsReport.Run run(long qps) {
        return new EchoQpsReport.Run(qps, 0, 1000, qps, 1.0, 2.0, 3.0);
    }

    private static EchoQpsCommand parse(String... args) {
        EchoQpsCommand cmd = new EchoQpsCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }
}
