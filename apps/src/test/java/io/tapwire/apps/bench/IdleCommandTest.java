package io.tapwire.apps.bench;

import io.tapwire.apps.services.TcpServices;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tapwire bench idle} without running it: options, the plan of client processes, the table and the JSON. */
class IdleCommandTest {
    @Test
    void defaultsHoldAMillionFromFortyAddressesInEightyProcesses() {
        IdleCommand cmd = parse();
        assertEquals(1_000_000, cmd.connections);
        assertNull(cmd.validate());
        assertEquals(TcpServices.IoModel.EPOLL, IdleCommand.parseIo(cmd.io));
        assertEquals(40, IdlePlan.defaultAddresses(1_000_000));
        IdlePlan plan = IdlePlan.of(1_000_000, 40, cmd.perProcess);
        assertEquals(40, plan.addresses().size());
        assertEquals("10.0.0.10", plan.addresses().get(0));
        assertEquals("10.0.0.49", plan.addresses().get(39));
        assertEquals(80, plan.holders().size(), "25,000 per address is two processes of 12,500 under the 19,000 limit");
        assertEquals(new IdlePlan.Holder("10.0.0.10", 1024, 12_500), plan.holders().get(0));
        assertEquals(new IdlePlan.Holder("10.0.0.10", 1024 + 12_500, 12_500), plan.holders().get(1));
        assertEquals(new IdlePlan.Holder("10.0.0.11", 1024, 12_500), plan.holders().get(2));
        assertEquals(12_500, plan.largestHolder());
        assertEquals(6, plan.inflightPerProcess(512));
        assertEquals(12, plan.samplePerProcess(1000));
    }

    @Test
    void unevenSharesAddUpAndPortsNeverOverlap() {
        IdlePlan plan = IdlePlan.of(100_003, 3, 19_000);
        assertEquals(100_003, plan.holders().stream().mapToInt(IdlePlan.Holder::count).sum());
        for (String a : plan.addresses()) {
            int next = IdlePlan.FIRST_PORT;
            for (IdlePlan.Holder h : plan.holders()) {
                if (h.address().equals(a)) {
                    assertEquals(next, h.firstPort(), "ports of " + a + " follow on");
                    next += h.count();
                }
            }
            assertTrue(next - 1 <= IdlePlan.LAST_PORT);
        }
        assertTrue(plan.largestHolder() <= 19_000);
        assertEquals(1, IdlePlan.of(10, 1, 19_000).inflightPerProcess(0));
        assertEquals(0, IdlePlan.of(10, 1, 19_000).samplePerProcess(0));
    }

    @Test
    void limitsSayWhatToChange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IdlePlan.of(1_000_000, 10, 19_000));
        assertTrue(e.getMessage().contains("--addresses 16"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> IdlePlan.of(1000, 1, 19_001));
        assertThrows(IllegalArgumentException.class, () -> IdlePlan.of(1000, 242, 19_000));
        assertThrows(IllegalArgumentException.class, () -> IdlePlan.of(5, 6, 19_000));
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> IdleCommand.parseIo("blocking"));
        assertTrue(b.getMessage().contains("bench tcp --only idle"), b.getMessage());
        assertEquals(TcpServices.IoModel.URING, IdleCommand.parseIo("uring"));
        assertNotNull(parse("--close-rate", "10").validate());
        assertNotNull(parse("--timeout", "5").validate());
        assertNotNull(parse("-n", "0").validate());
    }

    @Test
    void holderCommandLineBindsItsOwnPorts() {
        List<String> cmd = IdleHolders.command(java.nio.file.Path.of("/tmp/h"), new IdlePlan.Holder("10.0.0.12", 13_524, 12_500),
                "10.0.0.2", 7, 6, 600);
        assertEquals(List.of("/tmp/h", "--src", "10.0.0.12", "--dst", "10.0.0.2", "--port", "7", "--count", "12500",
                "--first-port", "13524", "--inflight", "6", "--connect-timeout", "600"), cmd);
        assertEquals(Map.of("ok", "12500", "failed", "0", "millis", "5321"),
                Cli.keyValues("established ok=12500 failed=0 millis=5321"));
    }

    @Test
    void linuxServersShareTheConnectionsUnderTheFileLimit() {
        assertEquals(53, IdleLinuxRun.serverQuotas(1_000_000).size());
        assertEquals(1_000_000, IdleLinuxRun.serverQuotas(1_000_000).stream().mapToInt(Integer::intValue).sum());
        assertTrue(IdleLinuxRun.serverQuotas(1_000_000).stream().allMatch(q -> q <= IdlePlan.MAX_PER_PROCESS));
        assertEquals(List.of(5), IdleLinuxRun.serverQuotas(5));
    }

    @Test
    void tableAndJsonShowHeapPerConnectionNextToTheKernelSocket() {
        IdleResult r = new IdleResult();
        r.connections = 1000;
        r.io = "epoll";
        r.parameters.put("connections", "1000");
        r.parameters.put("io", "epoll");
        r.serverHeld = 1000L;
        r.clientsConnected = 1000L;
        r.heapBefore = 10_000_000L;
        r.heapAfter = 11_500_000L;
        r.kernelSocketCaches = 3231.0;
        r.kernelFileObjects = 440L;
        r.connectSeconds = 0.5;
        r.classes.add(new HeapProbe.ClassDelta("io.tapwire.tcp.Tcb", 1000, 408_000));
        r.classes.add(new HeapProbe.ClassDelta("[B", 900, 45_000));
        r.histogramGrowth = 1_300_000L;
        r.errors.add("a \"quoted\" error");
        r.warnings.add("skewed");
        assertEquals(1500.0, r.heapPerConnection(), 1e-9);
        assertEquals(3671.0, r.kernelPerSocket(), 1e-9);
        String t = r.table();
        assertTrue(t.contains("1,500 heap"), t);
        assertTrue(t.contains("3,671 slab"), t);
        assertTrue(t.contains("0.41x"), t);
        assertTrue(t.contains("missed by 476 B"), t);
        assertTrue(t.contains("2000"), "connections per second: " + t);
        String c = r.classTable(5);
        assertTrue(c.contains("408.0 B  io.tapwire.tcp.Tcb"), c);
        assertTrue(c.contains("45.0 B  byte[]"), c);
        assertTrue(c.contains("847.0 B  (other classes)"), c);
        String j = r.json();
        assertTrue(j.contains("\"heap_per_connection_bytes\": 1500.0000"), j);
        assertTrue(j.contains("\"kernel_slab_per_socket_bytes\": 3671.0000"), j);
        assertTrue(j.contains("\"echo_ok\": null"), j);
        assertTrue(j.contains("{\"class\": \"byte[]\", \"instances\": 900, \"bytes\": 45000, \"bytes_per_connection\": 45.0000}"), j);
        assertTrue(j.contains("\"errors\": [\"a \\\"quoted\\\" error\"]"), j);
        assertTrue(j.contains("\"warnings\": [\"skewed\"]"), j);
        assertTrue(j.contains("\"connections\": 1000,\n    \"io\": \"epoll\""), j);
    }

    private static IdleCommand parse(String... args) {
        IdleCommand cmd = new IdleCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }
}
