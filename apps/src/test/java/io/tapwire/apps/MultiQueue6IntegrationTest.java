package io.tapwire.apps;

import io.tapwire.Stack;
import io.tapwire.Stat;
import io.tapwire.apps.control.ControlServer;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.apps.ss.SsCommand;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tap.Netns;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.Ipv6Address;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
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
 * The IPv6 twin of {@link MultiQueueIntegrationTest} (whose curl test already has an IPv6 variant):
 * {@code tapwire up --queues 2} answers {@code ping -6}, {@code tapwire ss} lists the IPv6
 * connections of both shards, and active opens over IPv6 from both shards work though the kernel
 * steers the first reply by hash (IPv6 segments handed between shards). The sandbox gives IPv6 one
 * Linux address (fd00::1), so connections spread over the shards by their ports alone.
 */
class MultiQueue6IntegrationTest extends TcpSandboxTestBase implements Ipv6Twin {
    private static final String STACK6 = Sandbox.STACK_ADDRESS6;

    @Override
    String target() {
        return STACK6;
    }

    @Override
    String[] tools() {
        return new String[] {"nc", "ping", "sh", "python3", "ss"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        return new Sandbox.Options().queues(2).io(TcpServices.IoModel.URING).tcpServices(TcpServices.Selection.all());
    }

    private long shardStat(int shard, Stat s) {
        return sandbox.shards().get(shard).statistics().get(s);
    }

    @Test
    void ping6IsAnsweredAndSsListsTheIpv6ConnectionsOfBothShards() throws Exception {
        PingOutput ping = ping("-c", "5", "-i", "0.2", "-w", "10");
        assertEquals(5, ping.received(), "echo replies");

        int connections = 24;
        // 24 connections to discard from fd00::1, each from its own port, held open while ss looks.
        CompletableFuture<Netns.Result> clients = inBackground("nc-clients", () -> shell(Duration.ofSeconds(60),
                "for a in $(seq 1 " + connections + "); do (sleep 8 | nc -N " + STACK6 + " 9) & done; wait"));
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
            ss = runSs("-tn6", "--control", control.toString());
        }
        System.out.println("tapwire ss -tn6:\n" + ss);
        String local = "[" + STACK6 + "]:9";
        for (int shard = 0; shard < 2; shard++) {
            for (TcpLayer.TcpInfoEntry e : perShard.get(shard)) {
                assertTrue(e.ipv6() != null, "an IPv6 connection: " + e);
                String peer = "[" + e.ipv6().remote() + "]:" + e.remotePort();
                assertTrue(ss.lines().anyMatch(l -> l.startsWith("ESTAB") && l.contains(local) && l.contains(peer)),
                        "ss lists shard " + shard + "'s connection from " + peer + ":\n" + ss);
            }
        }
        assertEquals(connections, ss.lines().filter(l -> l.startsWith("ESTAB") && l.contains(local)).count(), ss);
        Netns.Result done = clients.get(60, TimeUnit.SECONDS);
        assertEquals(0, done.exitCode(), describe(done));
    }

    /** A Linux-side server on [fd00::1]:8000: reads each connection to its end, answers the SHA-256 (hex) of it, closes. */
    private static final String SHA_SERVER = String.join("\n",
            "import hashlib, socket, sys, threading",
            "s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "s.bind(('" + Sandbox.HOST_ADDRESS6 + "', 8000)); s.listen(128); s.settimeout(40)",
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
    void activeOpensOverIpv6FromBothShardsWorkThoughTheFirstReplyComesByHash() throws Exception {
        int perShard = 10;
        CompletableFuture<Netns.Result> server = inBackground("sha-server", () -> sandbox.exec(Duration.ofSeconds(60),
                "python3", "-c", SHA_SERVER, Integer.toString(2 * perShard)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!exec("ss", "-tlnH", "sport", "=", ":8000").stdout().contains("8000")) {
            if (System.nanoTime() > deadline) {
                fail("gave up waiting for the Linux-side server");
            }
            Thread.sleep(50);
        }
        Ipv6Address host = Ipv6Address.parse(Sandbox.HOST_ADDRESS6);
        for (int i = 0; i < 2 * perShard; i++) {
            Stack shard = sandbox.shards().get(i % 2);
            byte[] data = new byte[50_000 + 1_000 * i];
            for (int k = 0; k < data.length; k++) {
                data[k] = (byte) (k * 7 + i);
            }
            try (TcpSocket s = TcpSocket.connect(shard, host, 8000, 10, TimeUnit.SECONDS)) {
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
        // As over IPv4: the kernel learns a flow's queue only from its first frame through Linux, so
        // some SYN-ACKs land on the shard that did not connect (all 20 on the right one: 1 in 2^20).
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
