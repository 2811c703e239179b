package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.ShardGroup;
import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.Stat;
import io.tapwire.Statistics;
import io.tapwire.link.VirtualDevice;
import io.tapwire.net.ArpCache;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.time.VirtualClock;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

import static io.tapwire.sim.VirtualNet.A_ADDR;
import static io.tapwire.sim.VirtualNet.A_MAC;
import static io.tapwire.sim.VirtualNet.B_ADDR;
import static io.tapwire.sim.VirtualNet.B_MAC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A multi-queue host on virtual time: a {@link ShardGroup} of two stacks at 10.0.0.2, one per
 * queue of a virtual multi-queue device, and a peer stack at 10.0.0.1 standing in for Linux. The
 * test decides which queue each of the peer's frames lands on, as the kernel's tun automq would
 * (flow hash) or worse (every segment after the SYN on the other queue), and checks that every
 * connection works all the same, that segments reach the shard owning their connection instead
 * of being reset, and that the counters merge.
 */
class ShardSimulationTest {
    private static final long MS = 1_000_000L;
    private static final int ETH = 14;
    private static final int TCP = ETH + 20;

    /** Two shards and a peer; {@link #queueOf} picks the queue of each frame the peer sends. */
    static final class ShardNet {
        final VirtualClock clock = new VirtualClock(1_000_000_000L);
        final VirtualDevice peerDev = new VirtualDevice("peer", 1500, 256);
        final List<VirtualDevice> queues = List.of(new VirtualDevice("q0", 1500, 256), new VirtualDevice("q1", 1500, 256));
        final Stack peer;
        final List<Stack> shards;
        final ShardGroup group;
        ToIntFunction<byte[]> queueOf;

        ShardNet(ToIntFunction<byte[]> queueOf, boolean steering) {
            this(queueOf, steering, c -> { }, c -> { });
        }

        ShardNet(ToIntFunction<byte[]> queueOf, boolean steering, java.util.function.Consumer<StackConfig> configurePeer,
                 java.util.function.Consumer<StackConfig> configureHost) {
            this.queueOf = queueOf;
            StackConfig pc = VirtualNet.config(A_ADDR, A_MAC, 1);
            configurePeer.accept(pc);
            peer = new Stack(peerDev, pc);
            StackConfig c = VirtualNet.config(B_ADDR, B_MAC, 2);
            configureHost.accept(c);
            if (steering) {
                group = ShardGroup.create(queues, c);
                shards = group.stacks();
            } else {
                // Two stacks of the same host without a group: each answers what it does not know as Linux would.
                group = null;
                StackConfig c1 = c.copy();
                c1.ipLocalPortRangeLow = 50000;
                shards = List.of(new Stack(queues.get(0), c), new Stack(queues.get(1), c1));
            }
        }

        private int carry() {
            int moved = 0;
            long now = clock.nanoTime();
            for (VirtualDevice q : queues) {
                for (byte[] f : q.drainTransmitted()) {
                    moved++;
                    peerDev.inject(f, now);
                }
            }
            for (byte[] f : peerDev.drainTransmitted()) {
                moved++;
                if (group == null && !isTcp(f)) {
                    // Without a group nothing copies ARP between the stacks: give both every ARP frame,
                    // so what is left to see is the answer to a misrouted TCP segment.
                    queues.forEach(q -> q.inject(f, now));
                } else {
                    queues.get(queueOf.applyAsInt(f)).inject(f, now);
                }
            }
            return moved;
        }

        long settle() {
            for (int i = 0; i < 100_000; i++) {
                long now = clock.nanoTime();
                int moved = carry();
                long next = peer.poll(now);
                for (Stack s : shards) {
                    next = Math.min(next, s.poll(now));
                }
                moved += carry();
                if (moved == 0 && next > now) {
                    return next;
                }
            }
            throw new AssertionError("simulation did not settle: a frame loop?");
        }

        void runUntil(java.util.function.BooleanSupplier done, long maxNanos) {
            long end = clock.nanoTime() + maxNanos;
            while (!done.getAsBoolean()) {
                long next = settle();
                if (done.getAsBoolean()) {
                    return;
                }
                if (clock.nanoTime() >= end) {
                    fail("gave up waiting: condition not met within " + maxNanos / MS + " ms of virtual time");
                }
                clock.set(Math.min(Math.max(next, clock.nanoTime() + MS), end));
            }
        }

        void runFor(long nanos) {
            long end = clock.nanoTime() + nanos;
            while (true) {
                long next = settle();
                if (next > end) {
                    clock.set(end);
                    settle();
                    return;
                }
                clock.set(next);
            }
        }

        Statistics merged() {
            Statistics sum = new Statistics();
            shards.forEach(s -> sum.addAll(s.statistics()));
            return sum;
        }
    }

    private static boolean isTcp(byte[] f) {
        return f.length >= TCP + 14 && f[12] == 0x08 && f[13] == 0x00 && f[ETH + 9] == 6;
    }

    private static boolean isTcp6(byte[] f) {
        return f.length >= ETH + 40 + 14 && f[12] == (byte) 0x86 && f[13] == (byte) 0xDD && f[ETH + 6] == 6;
    }

    /** IPv6: the SYN by a hash of the ports, every later segment on the other queue; ND and the rest on queue 0. */
    private static int misrouted6(byte[] f) {
        if (!isTcp6(f)) {
            return 0;
        }
        int tcp = ETH + 40;
        int hash = Integer.bitCount(port(f, tcp) ^ port(f, tcp + 2)) & 1;
        return (f[tcp + 13] & 0x16) == 0x02 ? hash : 1 - hash;
    }

    private static int port(byte[] f, int offset) {
        return ((f[offset] & 0xFF) << 8) | (f[offset + 1] & 0xFF);
    }

    /** Like the kernel: a symmetric function of the flow for TCP, queue 0 for what has no flow (ARP). */
    private static int byHash(byte[] f) {
        return isTcp(f) ? Integer.bitCount(port(f, TCP) ^ port(f, TCP + 2)) & 1 : 0;
    }

    /** The SYN by hash, every later segment of the flow on the other queue. */
    private static int misrouted(byte[] f) {
        if (!isTcp(f)) {
            return 0;
        }
        boolean pureSyn = (f[TCP + 13] & 0x16) == 0x02;
        return pureSyn ? byHash(f) : 1 - byHash(f);
    }

    /** Opens {@code n} connections from the peer to port 7, each shard listening; returns [client, server] pairs. */
    private static List<TcpSocket[]> connect(ShardNet net, List<TcpListener> listeners, int n) throws IOException {
        List<TcpSocket> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(net.peer.connectTcp(B_ADDR, 7));
        }
        List<TcpSocket> servers = new ArrayList<>();
        net.runUntil(() -> {
            try {
                for (TcpListener l : listeners) {
                    TcpSocket s;
                    while ((s = l.accept(0, TimeUnit.NANOSECONDS)) != null) {
                        servers.add(s);
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return servers.size() == n;
        }, 5_000 * MS);
        List<TcpSocket[]> pairs = new ArrayList<>();
        for (TcpSocket c : clients) {
            int localPort = c.tcb().localPort();
            TcpSocket server = servers.stream().filter(s -> s.tcb().remotePort() == localPort).findFirst().orElseThrow();
            pairs.add(new TcpSocket[] {c, server});
        }
        return pairs;
    }

    /** Sends {@code data} from {@code from} and reads it all at {@code to}. */
    private static byte[] transfer(ShardNet net, TcpSocket from, TcpSocket to, byte[] data) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int[] sent = {0};
        byte[] buf = new byte[65536];
        net.runUntil(() -> {
            try {
                if (sent[0] < data.length) {
                    sent[0] += from.tryWrite(data, sent[0], data.length - sent[0]);
                }
                int n;
                while ((n = to.tryRead(buf, 0, buf.length)) > 0) {
                    got.write(buf, 0, n);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return got.size() == data.length;
        }, 10_000 * MS);
        return got.toByteArray();
    }

    private static byte[] pattern(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    private static List<TcpListener> listenOnEveryShard(ShardNet net) {
        List<TcpListener> out = new ArrayList<>();
        for (Stack s : net.shards) {
            try {
                out.add(s.listenTcp(7, 128));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return out;
    }

    @Test
    void connectionsSpreadByHashOverBothShardsAllCarryTheirBytes() throws IOException {
        ShardNet net = new ShardNet(ShardSimulationTest::byHash, true);
        List<TcpListener> listeners = listenOnEveryShard(net);
        List<TcpSocket[]> pairs = connect(net, listeners, 24);
        int[] perShard = new int[2];
        for (TcpSocket[] p : pairs) {
            perShard[net.shards.get(0).tcp().hasConnection(A_ADDR, p[0].tcb().localPort(), 7) ? 0 : 1]++;
        }
        assertTrue(perShard[0] > 0 && perShard[1] > 0, "connections per shard " + perShard[0] + "/" + perShard[1]);
        for (int i = 0; i < pairs.size(); i++) {
            byte[] up = pattern(20_000 + i, i);
            assertArrayEquals(up, transfer(net, pairs.get(i)[0], pairs.get(i)[1], up), "peer to shard, connection " + i);
            byte[] down = pattern(30_000 + i, i + 7);
            assertArrayEquals(down, transfer(net, pairs.get(i)[1], pairs.get(i)[0], down), "shard to peer, connection " + i);
        }
        Statistics merged = net.group.statistics();
        assertEquals(0, merged.get(Stat.TCP_OUT_RSTS), "no shard reset anything:\n" + merged.format());
        assertEquals(24, merged.get(Stat.TCP_PASSIVE_OPENS));
        assertEquals(net.shards.get(0).statistics().get(Stat.TCP_PASSIVE_OPENS)
                + net.shards.get(1).statistics().get(Stat.TCP_PASSIVE_OPENS), merged.get(Stat.TCP_PASSIVE_OPENS));
        assertEquals(merged.get(Stat.RX_FRAMES), merged.get(Stat.RX_ACCEPTED) + merged.get(Stat.RX_DROPPED));
        assertEquals(0, merged.get(Stat.RX_INTERNAL_ERRORS));
    }

    @Test
    void segmentsLandingOnTheOtherShardReachTheOwnerInsteadOfAReset() throws IOException {
        ShardNet net = new ShardNet(ShardSimulationTest::misrouted, true);
        List<TcpListener> listeners = listenOnEveryShard(net);
        List<TcpSocket[]> pairs = connect(net, listeners, 8);
        for (int i = 0; i < pairs.size(); i++) {
            byte[] up = pattern(50_000, i);
            assertArrayEquals(up, transfer(net, pairs.get(i)[0], pairs.get(i)[1], up));
            byte[] down = pattern(40_000, i + 3);
            assertArrayEquals(down, transfer(net, pairs.get(i)[1], pairs.get(i)[0], down));
            assertEquals(TcpState.ESTABLISHED, pairs.get(i)[0].state());
        }
        Statistics merged = net.group.statistics();
        assertEquals(0, merged.get(Stat.TCP_OUT_RSTS), merged.format());
        assertTrue(merged.get(Stat.SHARD_HANDOFFS_OUT) > 8, "every segment after the SYN was handed over:\n" + merged.format());
        assertEquals(merged.get(Stat.SHARD_HANDOFFS_OUT), merged.get(Stat.SHARD_HANDOFFS_IN));
        assertEquals(merged.get(Stat.RX_FRAMES), merged.get(Stat.RX_ACCEPTED) + merged.get(Stat.RX_DROPPED));
    }

    @Test
    void withoutSteeringTheSameMisroutedSegmentsAreReset() throws IOException {
        // The answer a lone stack gives a segment of a connection it does not have: Linux's reset.
        ShardNet net = new ShardNet(ShardSimulationTest::misrouted, false);
        List<TcpListener> listeners = listenOnEveryShard(net);
        TcpSocket client = net.peer.connectTcp(B_ADDR, 7);
        try {
            net.runUntil(() -> net.merged().get(Stat.TCP_OUT_RSTS) > 0, 5_000 * MS);
        } catch (AssertionError e) {
            fail(e.getMessage() + "; client " + client.state() + "\n" + net.merged().format());
        }
        assertTrue(net.merged().get(Stat.TCP_OUT_RSTS) > 0, "the shard without the connection reset it");
        assertEquals(0, listeners.get(0).acceptQueueLength() + listeners.get(1).acceptQueueLength());
    }

    @Test
    void activeOpenFromTheSecondShardGetsItsSynAckThroughTheFirst() throws IOException {
        // Like the kernel's first reply to a new flow: SYN-ACK and ARP reply on queue 0, whoever asked.
        ShardNet net = new ShardNet(f -> 0, true);
        TcpListener onPeer = net.peer.listenTcp(8080, 16);
        TcpSocket fromShard1 = net.shards.get(1).connectTcp(A_ADDR, 8080);
        TcpSocket[] accepted = new TcpSocket[1];
        net.runUntil(() -> {
            try {
                if (accepted[0] == null) {
                    accepted[0] = onPeer.accept(0, TimeUnit.NANOSECONDS);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return accepted[0] != null && fromShard1.state() == TcpState.ESTABLISHED;
        }, 5_000 * MS);
        assertEquals(ArpCache.State.REACHABLE, net.shards.get(1).arp().state(A_ADDR),
                "shard 1 learned the peer from the ARP reply shard 0 received");
        byte[] data = pattern(100_000, 9);
        assertArrayEquals(data, transfer(net, accepted[0], fromShard1, data));
        assertArrayEquals(data, transfer(net, fromShard1, accepted[0], data));
        assertTrue(net.shards.get(0).statistics().get(Stat.SHARD_HANDOFFS_OUT) > 0);
        assertEquals(0, net.group.statistics().get(Stat.TCP_OUT_RSTS));
        int port = fromShard1.tcb().localPort();
        StackConfig c1 = net.shards.get(1).config();
        assertTrue(port >= c1.ipLocalPortRangeLow && port <= c1.ipLocalPortRangeHigh, "port " + port + " from shard 1's range");
    }

    @Test
    void aSegmentNoShardOwnsIsAnsweredByOneReset() {
        ShardNet net = new ShardNet(f -> 0, true);
        net.settle();
        // A bare ACK for a connection nobody has (RFC 9293 3.10.7.1: answered with a reset).
        ByteBuffer f = ByteBuffer.allocate(TCP + 20);
        f.putLong(0, B_MAC << 16).putShort(6, (short) (A_MAC >>> 32)).putInt(8, (int) A_MAC).putShort(12, (short) 0x0800);
        io.tapwire.wire.Ipv4Packet.writeHeader(f, ETH, 0, 40, 1, io.tapwire.wire.Ipv4Packet.FLAG_DF, 64,
                io.tapwire.wire.Ipv4Packet.PROTO_TCP, A_ADDR, B_ADDR);
        f.putShort(TCP, (short) 40000).putShort(TCP + 2, (short) 7).putInt(TCP + 4, 1000).putInt(TCP + 8, 2000);
        f.put(TCP + 12, (byte) 0x50).put(TCP + 13, (byte) 0x10).putShort(TCP + 14, (short) 1000);
        long sum = io.tapwire.wire.Checksum.add(io.tapwire.wire.Checksum.pseudoHeader(A_ADDR, B_ADDR, 6, 20), f, TCP, 20);
        f.putShort(TCP + 16, (short) io.tapwire.wire.Checksum.finish(sum));
        net.queues.get(0).inject(f.array(), net.clock.nanoTime());
        net.settle();
        Statistics merged = net.group.statistics();
        assertEquals(1, merged.get(Stat.TCP_OUT_RSTS), merged.format());
        assertEquals(1, merged.get(Stat.SHARD_HANDOFFS_OUT), "asked shard 1 once:\n" + merged.format());
        assertEquals(1, net.shards.get(1).statistics().get(Stat.TCP_OUT_RSTS), "the last shard asked answered");
        assertEquals(1, merged.get(DropReason.TCP_NO_SOCKET));
    }

    private static final io.tapwire.wire.Ipv6Address A6 = io.tapwire.wire.Ipv6Address.parse("fd00::1");
    private static final io.tapwire.wire.Ipv6Address B6 = io.tapwire.wire.Ipv6Address.parse("fd00::2");

    @Test
    void ipv6SegmentsOnTheOtherShardAndNeighbourAdvertisementsOnQueue0ReachTheOwner() throws IOException {
        ShardNet net = new ShardNet(ShardSimulationTest::misrouted6, true, c -> c.address6 = A6, c -> c.address6 = B6);
        net.runFor(1500 * MS);   // duplicate address detection on the peer and on both shards
        List<TcpListener> listeners = listenOnEveryShard(net);
        List<TcpSocket> clients = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            clients.add(net.peer.connectTcp(B6, 7, io.tapwire.socket.SocketOptions.defaults()));
        }
        List<TcpSocket> servers = new ArrayList<>();
        net.runUntil(() -> {
            try {
                for (TcpListener l : listeners) {
                    TcpSocket s;
                    while ((s = l.accept(0, TimeUnit.NANOSECONDS)) != null) {
                        servers.add(s);
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return servers.size() == clients.size();
        }, 5_000 * MS);
        for (TcpSocket c : clients) {
            TcpSocket server = servers.stream().filter(s -> s.tcb().remotePort() == c.tcb().localPort()).findFirst().orElseThrow();
            byte[] data = pattern(30_000, c.tcb().localPort());
            assertArrayEquals(data, transfer(net, c, server, data));
            assertArrayEquals(data, transfer(net, server, c, data));
        }
        // An active open over IPv6 from shard 1 while every frame of the peer lands on queue 0: the
        // neighbour advertisement answering shard 1's solicitation is copied to it, the SYN-ACK handed over.
        net.queueOf = f -> 0;
        TcpListener onPeer = net.peer.listenTcp(8080, 4);
        TcpSocket fromShard1 = net.shards.get(1).connectTcp(A6, 8080, io.tapwire.socket.SocketOptions.defaults());
        net.runUntil(() -> fromShard1.state() == TcpState.ESTABLISHED, 5_000 * MS);
        TcpSocket accepted = onPeer.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(accepted);
        byte[] data = pattern(40_000, 5);
        assertArrayEquals(data, transfer(net, fromShard1, accepted, data));
        Statistics merged = net.group.statistics();
        assertEquals(0, merged.get(Stat.TCP_OUT_RSTS), merged.format());
        assertTrue(merged.get(Stat.SHARD_HANDOFFS_OUT) > 6, merged.format());
        assertTrue(merged.get(Stat.SHARD_NEIGHBOUR_COPIES) > 0, "a neighbour advertisement was copied:\n" + merged.format());
        assertEquals(0, merged.get(Stat.ND_DAD_FAILED), "the shards' DAD probes did not collide:\n" + merged.format());
    }

    @Test
    void eachShardGetsItsOwnSliceOfTheEphemeralPorts() {
        StackConfig c = VirtualNet.config(B_ADDR, B_MAC, 2);
        List<VirtualDevice> devs = List.of(new VirtualDevice("a", 1500, 16), new VirtualDevice("b", 1500, 16),
                new VirtualDevice("c", 1500, 16));
        ShardGroup g = ShardGroup.create(devs, c);
        int expectLow = c.ipLocalPortRangeLow;
        for (Stack s : g.stacks()) {
            assertEquals(expectLow, s.config().ipLocalPortRangeLow);
            assertTrue(s.config().ipLocalPortRangeHigh > s.config().ipLocalPortRangeLow);
            assertEquals(B_MAC, s.config().mac);
            assertEquals(c.tcpIsnSecret, s.config().tcpIsnSecret);
            expectLow = s.config().ipLocalPortRangeHigh + 1;
            assertNotNull(s.shard());
        }
        assertEquals(c.ipLocalPortRangeHigh + 1, expectLow, "the slices cover the whole range");
        assertEquals(0, g.shard(2).shard().index() - 2);
    }
}
