package io.tapwire.apps;

import io.tapwire.Stack;
import io.tapwire.Stat;
import io.tapwire.apps.control.ControlServer;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.apps.ss.SsCommand;
import io.tapwire.tap.Netns;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.Ipv4Address;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code tapwire up --queues 2} in the sandbox: the TAP opened with IFF_MULTI_QUEUE and a stack
 * shard per queue. Linux's connections from ten client addresses and many ports spread over both
 * shards by the kernel's flow hash; every one must succeed byte-exact, ping must work, and
 * {@code tapwire ss} must list the connections of both shards.
 */
class MultiQueueIntegrationTest extends TcpSandboxTestBase {
    private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(120);
    private static final int ADDRESSES = 10;
    private static final int PER_ADDRESS = 20;

    @Override
    String[] tools() {
        return new String[] {"curl", "sha256sum", "nc", "ping", "sh", "python3"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        return new Sandbox.Options().queues(2).io(TcpServices.IoModel.URING).tcpServices(TcpServices.Selection.all());
    }

    /** Client addresses 10.0.0.10 and up on the Linux side of the TAP. */
    private void addClientAddresses(int count) {
        for (int a = 10; a < 10 + count; a++) {
            sandbox.netns().run("ip", "addr", "add", "10.0.0." + a + "/24", "dev", Sandbox.TAP_NAME);
        }
    }

    private static int size(int i) {
        return 1000 + 373 * i;
    }

    private static String bodySha256(int n) throws NoSuchAlgorithmException {
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) {
            b[k] = (byte) k;
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private long shardStat(int shard, Stat s) {
        return sandbox.shards().get(shard).statistics().get(s);
    }

    @Test
    void twoHundredCurlsFromTenAddressesSpreadOverBothShardsAndAllGetExactBodies() throws NoSuchAlgorithmException {
        assertEquals(2, sandbox.shards().size());
        addClientAddresses(ADDRESSES);
        // Ten loops in parallel, one per client address, each a curl (a new connection, a new port) per request.
        Netns.Result r = shell(LOAD_TIMEOUT, "for a in $(seq 10 " + (9 + ADDRESSES) + "); do ( for j in $(seq 1 " + PER_ADDRESS
                + "); do i=$(( (a - 10) * " + PER_ADDRESS + " + j )); n=$((1000 + 373 * i)); "
                + "h=$(curl -sS -m 20 --interface 10.0.0.$a http://" + STACK + "/bytes/$n | sha256sum | cut -d' ' -f1); "
                + "echo \"$i $n $h\"; done ) & done; wait");
        List<String> lines = r.stdout().lines().toList();
        int total = ADDRESSES * PER_ADDRESS;
        assertEquals(total, lines.size(), describe(r));
        boolean[] seen = new boolean[total + 1];
        for (String line : lines) {
            String[] f = line.split(" ");
            int i = Integer.parseInt(f[0]);
            assertEquals(size(i), Integer.parseInt(f[1]));
            assertEquals(bodySha256(size(i)), f[2], "request " + i + " body\n" + describe(r));
            seen[i] = true;
        }
        for (int i = 1; i <= total; i++) {
            assertTrue(seen[i], "request " + i + " missing");
        }
        long shard0 = shardStat(0, Stat.TCP_PASSIVE_OPENS);
        long shard1 = shardStat(1, Stat.TCP_PASSIVE_OPENS);
        System.out.println("connections per shard: " + shard0 + " / " + shard1 + "; handed over "
                + stat(Stat.SHARD_HANDOFFS_OUT) + " segments, neighbour replies copied " + stat(Stat.SHARD_NEIGHBOUR_COPIES));
        assertTrue(shard0 > 0 && shard1 > 0, "both shards served connections: " + shard0 + " / " + shard1);
        assertEquals(total, shard0 + shard1, "one passive open per curl, summed over the shards");
        assertEquals(total, stat(Stat.TCP_PASSIVE_OPENS), "the merged counters hold the sum");
        assertEquals(0, stat(Stat.TCP_ESTAB_RESETS), "connections reset");
        assertEquals(0, stat(Stat.TCP_OUT_RSTS), "no shard answered a segment with a reset");
    }

    @Test
    void curlsOverIpv6SpreadOverBothShardsAndGetExactBodies() throws NoSuchAlgorithmException {
        int total = 40;
        // Four loops in parallel from fd00::1, a new connection (a new source port) per request.
        Netns.Result r = shell(LOAD_TIMEOUT, "for a in 0 1 2 3; do ( for j in $(seq 1 10); do i=$((a * 10 + j)); "
                + "n=$((1000 + 373 * i)); h=$(curl -sS -m 20 -6 'http://[" + Sandbox.STACK_ADDRESS6 + "]/bytes/'$n "
                + "| sha256sum | cut -d' ' -f1); echo \"$i $n $h\"; done ) & done; wait");
        List<String> lines = r.stdout().lines().toList();
        assertEquals(total, lines.size(), describe(r));
        for (String line : lines) {
            String[] f = line.split(" ");
            int i = Integer.parseInt(f[0]);
            assertEquals(bodySha256(size(i)), f[2], "request " + i + " body\n" + describe(r));
        }
        long shard0 = shardStat(0, Stat.TCP_PASSIVE_OPENS);
        long shard1 = shardStat(1, Stat.TCP_PASSIVE_OPENS);
        assertTrue(shard0 > 0 && shard1 > 0, "both shards served IPv6 connections: " + shard0 + " / " + shard1);
        assertEquals(total, shard0 + shard1);
        assertEquals(0, stat(Stat.TCP_OUT_RSTS), "no shard answered a segment with a reset");
    }

    @Test
    void pingIsAnsweredAndSsListsTheConnectionsOfBothShards() throws Exception {
        PingOutput ping = ping("-c", "5", "-i", "0.2", "-w", "10");
        assertEquals(5, ping.received(), "echo replies");

        int connections = 24;
        addClientAddresses(connections);
        // 24 connections to discard, one per client address, held open while ss looks.
        CompletableFuture<Netns.Result> clients = inBackground("nc-clients", () -> shell(Duration.ofSeconds(60),
                "for a in $(seq 10 " + (9 + connections) + "); do (sleep 8 | nc -N -s 10.0.0.$a " + STACK + " 9) & done; wait"));
        List<List<TcpLayer.TcpInfoEntry>> perShard = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            perShard.clear();
            int established = 0;
            for (Stack shard : sandbox.shards()) {
                List<TcpLayer.TcpInfoEntry> on9 = connectionsOnPort9(shard);
                perShard.add(on9);
                established += on9.size();
            }
            if (established == connections) {
                break;
            }
            if (System.nanoTime() > deadline) {
                fail("gave up waiting: " + established + " of " + connections + " connections on port 9 established");
            }
            Thread.sleep(50);
        }
        assertTrue(!perShard.get(0).isEmpty() && !perShard.get(1).isEmpty(),
                "connections on both shards: " + perShard.get(0).size() + " / " + perShard.get(1).size());
        Path control = scratch().resolve("control.sock");
        String ss;
        try (ControlServer server = ControlServer.start(sandbox.shards(), control)) {
            ss = runSs("-tn", "--control", control.toString());
        }
        System.out.println("tapwire ss -tn:\n" + ss);
        for (int shard = 0; shard < 2; shard++) {
            for (TcpLayer.TcpInfoEntry e : perShard.get(shard)) {
                String peer = Ipv4Address.toString(e.remoteAddress()) + ":" + e.remotePort();
                assertTrue(ss.lines().anyMatch(l -> l.startsWith("ESTAB") && l.contains(STACK + ":9") && l.contains(peer)),
                        "ss lists shard " + shard + "'s connection from " + peer + ":\n" + ss);
            }
        }
        assertEquals(connections, ss.lines().filter(l -> l.startsWith("ESTAB") && l.contains(STACK + ":9")).count(), ss);
        Netns.Result done = clients.get(60, TimeUnit.SECONDS);
        assertEquals(0, done.exitCode(), describe(done));
    }

    /** A Linux-side server: reads each connection to its end, answers the SHA-256 (hex) of what it read, closes. */
    private static final String SHA_SERVER = String.join("\n",
            "import hashlib, socket, sys, threading",
            "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "s.bind(('" + Sandbox.HOST_ADDRESS + "', 8000)); s.listen(128); s.settimeout(40)",
            "print('listening', flush=True)",
            "def serve(c):",
            "    h = hashlib.sha256()",
            "    while True:",
            "        b = c.recv(65536)",
            "        if not b: break",
            "        h.update(b)",
            "    c.sendall(h.hexdigest().encode()); c.close()",
            "for _ in range(int(sys.argv[1])):",
            "    c, _ = s.accept(); threading.Thread(target=serve, args=(c,)).start()");

    @Test
    void activeOpensFromBothShardsWorkThoughTheFirstReplyComesByHash() throws Exception {
        int perShard = 10;
        CompletableFuture<Netns.Result> server = inBackground("sha-server", () -> sandbox.exec(Duration.ofSeconds(60),
                "python3", "-c", SHA_SERVER, Integer.toString(2 * perShard)));
        // The listener is up once Linux answers a probe on 8000 (a refused connect would come back as a reset).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!exec("ss", "-tlnH", "sport", "=", ":8000").stdout().contains("8000")) {
            if (System.nanoTime() > deadline) {
                fail("gave up waiting for the Linux-side server");
            }
            Thread.sleep(50);
        }
        int host = Ipv4Address.parse(Sandbox.HOST_ADDRESS);
        for (int i = 0; i < 2 * perShard; i++) {
            Stack shard = sandbox.shards().get(i % 2);
            byte[] data = new byte[50_000 + 1_000 * i];
            for (int k = 0; k < data.length; k++) {
                data[k] = (byte) (k * 7 + i);
            }
            try (io.tapwire.socket.TcpSocket s = io.tapwire.socket.TcpSocket.connect(shard, host, 8000, 10, TimeUnit.SECONDS)) {
                s.setSoTimeout(10, TimeUnit.SECONDS);
                s.outputStream().write(data);
                s.shutdownOutput();
                String answer = new String(s.inputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)), answer,
                        "connection " + i + " from shard " + (i % 2));
            }
        }
        Netns.Result done = server.get(60, TimeUnit.SECONDS);
        assertEquals(0, done.exitCode(), describe(done));
        assertEquals(perShard, shardStat(0, Stat.TCP_ACTIVE_OPENS));
        assertEquals(perShard, shardStat(1, Stat.TCP_ACTIVE_OPENS));
        // tun_flow_update() records a flow's queue only after its first frame went through Linux, so the
        // SYN-ACK is steered by hash: for 20 flows, some land on the shard that did not connect
        // (all 20 on the right one by chance: 1 in 2^20).
        System.out.println("handed over " + stat(Stat.SHARD_HANDOFFS_OUT) + " segments");
        assertTrue(stat(Stat.SHARD_HANDOFFS_OUT) > 0, "no segment reached the wrong shard:\n" + sandbox.statistics().format());
        assertEquals(stat(Stat.SHARD_HANDOFFS_OUT), stat(Stat.SHARD_HANDOFFS_IN));
        assertEquals(0, stat(Stat.TCP_OUT_RSTS), "no shard answered a handed-over segment with a reset");
    }

    private static List<TcpLayer.TcpInfoEntry> connectionsOnPort9(Stack shard) throws Exception {
        CompletableFuture<List<TcpLayer.TcpInfoEntry>> f = new CompletableFuture<>();
        shard.execute(() -> f.complete(shard.tcp().connections()));
        return f.get(5, TimeUnit.SECONDS).stream()
                .filter(e -> e.localPort() == 9 && e.info().state() == TcpState.ESTABLISHED).toList();
    }

    private static String runSs(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int exit = new CommandLine(new SsCommand(ps)).execute(args);
        assertEquals(0, exit, "exit status of ss " + String.join(" ", args) + "\n" + bytes);
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
