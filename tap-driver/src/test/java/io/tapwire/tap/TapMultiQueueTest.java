package io.tapwire.tap;

import io.tapwire.wire.Checksum;
import io.tapwire.wire.Ipv4Packet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.tapwire.tap.TestFrames.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A TAP opened with several queues ({@code IFF_MULTI_QUEUE}) in a private namespace: the kernel
 * sees one interface with that many queues, spreads flows it starts over them by hash, and sends
 * the replies of a flow to the queue the flow was last written from ({@code tun_flow_update()}
 * in drivers/net/tun.c) — the property a stack shard per queue relies on for its active opens.
 */
class TapMultiQueueTest {
    private static final int MTU = 1500;
    private static final int RING = 256;
    private static final int HOST = 0x0A000001;
    private static final int STACK = 0x0A000002;
    private static final int ETH = 14;
    private static final int TCP = ETH + 20;

    @BeforeEach
    void requireTap() {
        TapTestSupport.requireTapOrSkip().ifPresent(reason -> Assumptions.assumeTrue(false, reason));
    }

    private static Netns setUp(Netns ns) {
        ns.run("ip", "addr", "add", "10.0.0.1/24", "dev", "tap0");
        ns.run("ip", "link", "set", "tap0", "up");
        // A fixed neighbour: Linux sends to 10.0.0.2 without ARP, so every frame it sends is the flow's own.
        ns.run("ip", "neigh", "replace", "10.0.0.2", "lladdr", TestFrames.macString(STACK_MAC), "dev", "tap0", "nud", "permanent");
        return ns;
    }

    @Test
    void opensOneInterfaceWithTwoQueues() {
        try (Netns ns = Netns.create()) {
            List<TapDevice> queues = TapDevice.openQueues(ns.name(), "tap0", MTU, RING, true, 2);
            try {
                assertEquals(2, queues.size());
                assertEquals("tap0", queues.get(0).name());
                assertEquals("tap0", queues.get(1).name());
                assertEquals(0, queues.get(0).queueIndex());
                assertEquals(1, queues.get(1).queueIndex());
                assertTrue(queues.get(1).offloadsEnabled());
                String details = ns.run("ip", "-d", "link", "show", "tap0");
                assertTrue(details.contains("multi_queue"), "ip -d link does not show multi_queue: " + details);
                // The kernel sizes the interface's real TX queues to the attached files (tun_attach()).
                String txQueues = ns.run("ls", "/sys/class/net/tap0/queues");
                assertTrue(txQueues.contains("tx-0") && txQueues.contains("tx-1"), "queues in sysfs: " + txQueues);
            } finally {
                queues.forEach(TapDevice::close);
            }
        }
    }

    @Test
    void oneQueueOpensWithoutMultiQueue() {
        try (Netns ns = Netns.create()) {
            List<TapDevice> queues = TapDevice.openQueues(ns.name(), "tap0", MTU, RING, false, 1);
            try {
                assertEquals(1, queues.size());
                String details = ns.run("ip", "-d", "link", "show", "tap0");
                assertTrue(!details.contains("multi_queue"), "one queue must stay a plain TAP: " + details);
            } finally {
                queues.forEach(TapDevice::close);
            }
        }
    }

    @Test
    void rejectsQueueCountsTheKernelWouldNot() {
        assertThrows(IllegalArgumentException.class, () -> TapDevice.openQueues(null, "tap0", MTU, RING, false, 0));
        assertThrows(IllegalArgumentException.class, () -> TapDevice.openQueues(null, "tap0", MTU, RING, false, 257));
    }

    @Test
    void repliesComeBackOnTheQueueTheFlowWasWrittenFrom() {
        try (Netns ns = Netns.create()) {
            List<TapDevice> queues = TapDevice.openQueues(ns.name(), "tap0", MTU, RING, false, 2);
            try {
                setUp(ns);
                byte[] hostMac = parseMac(ns.run("cat", "/sys/class/net/tap0/address").strip());
                int flows = 16;
                // Round 1 makes the flows known: tun_get_user() records the writing queue (tun_flow_update())
                // only after the frame went through the host's stack (netif_rx runs the softirq at once), so
                // the reply to a flow's very first frame is already on its way, steered by the hash alone.
                List<List<Integer>> first = exchange(queues, hostMac, flows);
                // Round 2: the same flows again; now every reply follows the queue its flow was written from.
                List<List<Integer>> seen = exchange(queues, hostMac, flows);
                for (int q = 0; q < 2; q++) {
                    for (int port : seen.get(q)) {
                        assertEquals(q, (port - 41000) % 2, "the RST for port " + port + " came on queue " + q
                                + " but the SYN was written from the other: queue 0 " + seen.get(0) + ", queue 1 " + seen.get(1)
                                + " (first round, by hash: " + first + ")");
                    }
                }
            } finally {
                queues.forEach(TapDevice::close);
            }
        }
    }

    @Test
    void flowsLinuxStartsAreSpreadOverBothQueues() {
        try (Netns ns = Netns.create()) {
            List<TapDevice> queues = TapDevice.openQueues(ns.name(), "tap0", MTU, RING, false, 2);
            try {
                setUp(ns);
                // 64 datagrams from 64 sockets: flows the stack never wrote, so the kernel picks each
                // one's queue from the flow hash (tun_automq_select_queue()). Each socket gets a random
                // ephemeral port, and two of 64 share one now and then (about 7% of runs: the birthday
                // bound over ~28,000 ports), so datagrams are counted, not distinct ports.
                ns.run("bash", "-c", "for i in $(seq 64); do echo x > /dev/udp/10.0.0.2/9; done");
                int[] perQueue = new int[2];
                Set<Integer> ports = new HashSet<>();
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (perQueue[0] + perQueue[1] < 64) {
                    if (System.nanoTime() > deadline) {
                        fail("gave up waiting: " + (perQueue[0] + perQueue[1]) + " of 64 datagrams (" + ports.size()
                                + " source ports), per queue " + perQueue[0] + "/" + perQueue[1]);
                    }
                    for (int q = 0; q < 2; q++) {
                        TapDevice tap = queues.get(q);
                        tap.doWork(System.nanoTime());
                        io.tapwire.link.Descriptor d;
                        while ((d = tap.rxRing().peek()) != null) {
                            ByteBuffer f = d.buffer();
                            if (d.length() >= TCP + 8 && f.getShort(12) == 0x0800 && f.get(ETH + 9) == 17
                                    && f.getShort(TCP + 2) == 9) {
                                ports.add(f.getShort(TCP) & 0xFFFF);
                                perQueue[q]++;
                            }
                            tap.rxRing().consume(d);
                        }
                    }
                    queues.get(0).await(1_000_000);
                }
                assertTrue(perQueue[0] > 0 && perQueue[1] > 0,
                        ports.size() + " flows all on one queue: " + perQueue[0] + " on queue 0, " + perQueue[1] + " on queue 1");
            } finally {
                queues.forEach(TapDevice::close);
            }
        }
    }

    /** Writes a SYN to closed port 9 for each flow from queue (flow % 2) and collects the RSTs per queue. */
    private static List<List<Integer>> exchange(List<TapDevice> queues, byte[] hostMac, int flows) {
        List<List<Integer>> seen = List.of(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < flows; i++) {
            // A SYN to a closed port: Linux answers RST|ACK (tcp_v4_send_reset), a reply of this flow.
            TestFrames.queueTx(queues.get(i % 2), syn(hostMac, 41000 + i, 9));
            queues.get(i % 2).doWork(System.nanoTime());
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (seen.get(0).size() + seen.get(1).size() < flows) {
            if (System.nanoTime() > deadline) {
                fail("gave up waiting: RSTs seen on queue 0 for ports " + seen.get(0) + ", on queue 1 for " + seen.get(1));
            }
            for (int q = 0; q < 2; q++) {
                TapDevice tap = queues.get(q);
                tap.doWork(System.nanoTime());
                io.tapwire.link.Descriptor d;
                while ((d = tap.rxRing().peek()) != null) {
                    ByteBuffer f = d.buffer();
                    if (d.length() >= TCP + 20 && f.getShort(12) == 0x0800 && f.get(ETH + 9) == 6
                            && (f.get(TCP + 13) & 0x04) != 0) {
                        seen.get(q).add(f.getShort(TCP + 2) & 0xFFFF);
                    }
                    tap.rxRing().consume(d);
                }
            }
            queues.get(0).await(1_000_000);
        }
        return seen;
    }

    private static byte[] syn(byte[] hostMac, int srcPort, int dstPort) {
        ByteBuffer b = ByteBuffer.allocate(TCP + 20);
        b.put(0, hostMac).put(6, STACK_MAC).putShort(12, (short) 0x0800);
        Ipv4Packet.writeHeader(b, ETH, 0, 40, 1, Ipv4Packet.FLAG_DF, 64, Ipv4Packet.PROTO_TCP, STACK, HOST);
        b.putShort(TCP, (short) srcPort).putShort(TCP + 2, (short) dstPort).putInt(TCP + 4, 12345).putInt(TCP + 8, 0);
        b.put(TCP + 12, (byte) 0x50).put(TCP + 13, (byte) 0x02).putShort(TCP + 14, (short) 64240);
        long sum = Checksum.add(Checksum.pseudoHeader(STACK, HOST, Ipv4Packet.PROTO_TCP, 20), b, TCP, 20);
        b.putShort(TCP + 16, (short) Checksum.finish(sum));
        return b.array();
    }

    private static byte[] parseMac(String text) {
        String[] parts = text.split(":");
        byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++) {
            mac[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return mac;
    }
}
