package io.tapwire.sim;

import io.tapwire.event.Events;
import io.tapwire.socket.PollEvents;
import io.tapwire.socket.PollKey;
import io.tapwire.socket.Poller;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.socket.UdpSocket;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tapwire.sim.VirtualNet.A_ADDR;
import static io.tapwire.sim.VirtualNet.B_ADDR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The readiness API (epoll semantics) between two stacks on virtual time: level- vs
 * edge-triggered, ONESHOT, RDHUP, ERR/HUP, OUT after a full buffer, accept until would-block,
 * exclusive wakeups, UDP, and an event loop running on the stack thread.
 */
class PollerSimulationTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1_000 * MS;

    private final VirtualNet net = new VirtualNet();
    private final PollEvents events = new PollEvents(64);

    /** {client on A, server on B}, established. */
    private TcpSocket[] connect(TcpListener listener) throws Exception {
        TcpSocket client = net.a.connectTcp(B_ADDR, listener.port());
        net.runUntil(() -> client.state() == TcpState.ESTABLISHED, 5 * SEC);
        net.runFor(MS);
        TcpSocket server = listener.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(server, "accepted");
        return new TcpSocket[] {client, server};
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private void send(TcpSocket s, String text) throws Exception {
        byte[] b = bytes(text);
        assertEquals(b.length, s.tryWrite(b, 0, b.length));
        net.runFor(MS);
    }

    private static int drain(TcpSocket s) throws Exception {
        byte[] buf = new byte[65536];
        int total = 0;
        int n;
        while ((n = s.tryRead(buf, 0, buf.length)) > 0) {
            total += n;
        }
        return total;
    }

    @Test
    void levelTriggeredReportsReadableUntilDrained() throws Exception {
        TcpSocket[] c = connect(net.b.listenTcp(7, 8));
        Poller p = new Poller();
        PollKey key = p.register(c[1], Events.IN, "conn");
        assertEquals(0, p.poll(events), "nothing to read yet");
        send(c[0], "hello");
        for (int round = 0; round < 3; round++) {
            assertEquals(1, p.poll(events), "level-triggered: reported while data is unread (round " + round + ")");
            assertSame(key, events.key(0));
            assertEquals("conn", events.attachment(0));
            assertEquals(Events.IN, events.events(0));
        }
        assertEquals(5, drain(c[1]));
        assertEquals(0, p.poll(events), "drained: no longer reported");
    }

    @Test
    void edgeTriggeredFiresOncePerArrival() throws Exception {
        TcpSocket[] c = connect(net.b.listenTcp(7, 8));
        Poller p = new Poller();
        p.register(c[1], Events.IN | Events.ET, null);
        send(c[0], "one");
        assertEquals(1, p.poll(events));
        assertEquals(0, p.poll(events), "edge-triggered: no second report for the same arrival, though unread");
        send(c[0], "two");
        assertEquals(1, p.poll(events), "a new arrival is a new edge even though earlier data is unread (Linux)");
        assertEquals(0, p.poll(events));
        assertEquals(6, drain(c[1]));
        // Three separate segments before one wait collapse into one report: the key is queued once.
        send(c[0], "a");
        send(c[0], "b");
        send(c[0], "c");
        assertEquals(1, p.poll(events));
        assertEquals(0, p.poll(events));
    }

    @Test
    void oneshotReportsOnceUntilRearmed() throws Exception {
        TcpSocket[] c = connect(net.b.listenTcp(7, 8));
        Poller p = new Poller();
        PollKey key = p.register(c[1], Events.IN | Events.ONESHOT, null);
        send(c[0], "x");
        assertEquals(1, p.poll(events));
        send(c[0], "y");
        assertEquals(0, p.poll(events), "ONESHOT fired: silent until modified");
        p.modify(key, Events.IN | Events.ONESHOT);
        assertEquals(1, p.poll(events), "re-armed while data is unread: reported at once");
        assertEquals(0, p.poll(events));
    }

    @Test
    void halfCloseReportsRdhupWithoutHup() throws Exception {
        TcpSocket[] c = connect(net.b.listenTcp(7, 8));
        Poller p = new Poller();
        p.register(c[1], Events.IN | Events.RDHUP | Events.ET, null);
        c[0].shutdownOutput();
        net.runFor(MS);
        assertEquals(1, p.poll(events));
        assertEquals(Events.IN | Events.RDHUP, events.events(0) & (Events.IN | Events.RDHUP | Events.HUP | Events.ERR));
        byte[] buf = new byte[16];
        assertEquals(-1, c[1].tryRead(buf, 0, buf.length), "end of stream");
        // Our side shuts too: now both directions are shut, HUP.
        c[1].shutdownOutput();
        net.runFor(MS);
        assertTrue((c[1].readiness() & Events.HUP) != 0, "HUP once both directions are shut: " + Events.toString(c[1].readiness()));
    }

    @Test
    void resetReportsErrAndHupEvenIfNotAsked() throws Exception {
        TcpSocket[] c = connect(net.b.listenTcp(7, 8));
        Poller p = new Poller();
        p.register(c[1], Events.OUT | Events.ET, null);
        assertEquals(1, p.poll(events), "writable at registration");
        c[0].abort();
        net.runFor(MS);
        assertEquals(1, p.poll(events));
        int ev = events.events(0);
        assertTrue((ev & Events.ERR) != 0 && (ev & Events.HUP) != 0, "ERR and HUP after RST: " + Events.toString(ev));
        assertEquals(0, ev & Events.IN, "IN was not asked for");
        assertThrows(java.net.SocketException.class, () -> c[1].tryRead(new byte[1], 0, 1));
    }

    @Test
    void outIsReportedWhenAFullSendBufferDrains() throws Exception {
        TcpSocket[] c = connect(net.b.listenTcp(7, 8));
        Poller p = new Poller();
        p.register(c[1], Events.OUT | Events.ET, null);
        assertEquals(1, p.poll(events));
        assertEquals(Events.OUT, events.events(0));
        // Fill the server's send buffer (and the client's receive buffer) while the client does not read.
        byte[] chunk = new byte[64 * 1024];
        long written = 0;
        for (int i = 0; i < 1000; i++) {
            int n = c[1].tryWrite(chunk, 0, chunk.length);
            written += n;
            net.runFor(MS);
            if (n < chunk.length && c[1].tryWrite(chunk, 0, chunk.length) == 0) {
                break;
            }
        }
        assertEquals(0, c[1].tryWrite(chunk, 0, 1), "send buffer full: a write would block");
        assertEquals(0, c[1].readiness() & Events.OUT, "not writable while full");
        assertEquals(0, p.poll(events), "no OUT edge while the buffer stays full");
        // The client drains: ACKs free the buffer and report OUT once.
        long read = 0;
        for (int i = 0; i < 100 && p.poll(events) == 0; i++) {
            read += drain(c[0]);
            net.runFor(10 * MS);
        }
        assertEquals(1, events.size(), "OUT after the buffer drained");
        assertEquals(Events.OUT, events.events(0));
        assertTrue(read > 0 && written > 0);
        assertEquals(0, p.poll(events), "one edge, not one per ACK");
    }

    @Test
    void listenerReportsInAndAcceptRunsUntilWouldBlock() throws Exception {
        TcpListener l = net.b.listenTcp(80, 16);
        Poller p = new Poller();
        p.register(l, Events.IN, "listener");
        List<TcpSocket> clients = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clients.add(net.a.connectTcp(B_ADDR, 80));
        }
        net.runUntil(() -> clients.stream().allMatch(s -> s.state() == TcpState.ESTABLISHED), 5 * SEC);
        net.runFor(MS);
        assertEquals(1, p.poll(events));
        assertEquals("listener", events.attachment(0));
        int accepted = 0;
        while (l.accept(0, TimeUnit.NANOSECONDS) != null) {
            accepted++;
        }
        assertEquals(5, accepted, "accept until it would block");
        assertNull(l.accept(0, TimeUnit.NANOSECONDS));
        assertEquals(0, p.poll(events), "empty accept queue: not readable");
    }

    @Test
    @Timeout(30)
    void exclusiveWakeupWakesOneOfSeveralWaitersAndCountsTheOthers() throws Exception {
        TcpListener l = net.b.listenTcp(80, 16);
        int waiters = 3;
        List<Poller> pollers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        AtomicInteger returned = new AtomicInteger();
        for (int i = 0; i < waiters; i++) {
            Poller p = new Poller();
            p.register(l, Events.IN | Events.EXCLUSIVE, i);
            pollers.add(p);
            Thread t = new Thread(() -> {
                try {
                    if (p.wait(new PollEvents(4)) > 0) {
                        returned.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, "waiter-" + i);
            t.start();
            threads.add(t);
        }
        awaitBlocked(threads);
        TcpSocket client = net.a.connectTcp(B_ADDR, 80);
        net.runUntil(() -> client.state() == TcpState.ESTABLISHED, 5 * SEC);
        net.runFor(MS);
        long woken = pollers.stream().mapToLong(Poller::idleWakeups).sum();
        assertEquals(1, woken, "one connection wakes one blocked waiter, not all " + waiters);
        assertEquals(waiters - 1, l.exclusiveWakeupsSkipped(), "the others were passed over, and counted");
        for (Poller p : pollers) {
            p.wakeup();
        }
        for (Thread t : threads) {
            t.join(10_000);
            assertFalse(t.isAlive());
        }
        assertEquals(1, returned.get(), "exactly one waiter saw the connection");
    }

    @Test
    @Timeout(30)
    void withoutExclusiveEveryWaiterIsWoken() throws Exception {
        TcpListener l = net.b.listenTcp(80, 16);
        List<Poller> pollers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Poller p = new Poller();
            p.register(l, Events.IN, i);
            pollers.add(p);
            Thread t = new Thread(() -> {
                try {
                    p.wait(new PollEvents(4));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            t.start();
            threads.add(t);
        }
        awaitBlocked(threads);
        TcpSocket client = net.a.connectTcp(B_ADDR, 80);
        net.runUntil(() -> client.state() == TcpState.ESTABLISHED, 5 * SEC);
        net.runFor(MS);
        assertEquals(3, pollers.stream().mapToLong(Poller::idleWakeups).sum(), "the thundering herd EXCLUSIVE avoids");
        assertEquals(0, l.exclusiveWakeupsSkipped());
        for (Thread t : threads) {
            t.join(10_000);
            assertFalse(t.isAlive());
        }
    }

    /** Waits (bounded) until every thread is parked in its wait. */
    private static void awaitBlocked(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            for (int i = 0; i < 10_000 && t.getState() != Thread.State.WAITING; i++) {
                Thread.sleep(1);
            }
            assertEquals(Thread.State.WAITING, t.getState(), t.getName() + " blocked in wait");
        }
    }

    @Test
    @Timeout(30)
    void wakeupReleasesAWaitFromAnotherThread() throws Exception {
        Poller p = new Poller();
        Thread t = new Thread(() -> {
            try {
                assertEquals(0, p.wait(new PollEvents(1)));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        t.start();
        awaitBlocked(List.of(t));
        p.wakeup();
        t.join(10_000);
        assertFalse(t.isAlive());
    }

    @Test
    void udpSocketReportsInPerDatagramAndOutWhileThereIsRoom() throws Exception {
        UdpSocket server = net.b.openUdp().bind(5000);
        UdpSocket client = net.a.openUdp().connect(B_ADDR, 5000);
        Poller p = new Poller();
        p.register(server, Events.IN | Events.OUT, null);
        assertEquals(1, p.poll(events));
        assertEquals(Events.OUT, events.events(0), "writable, nothing to read");
        client.send(bytes("ping"));
        net.runFor(MS);
        assertEquals(1, p.poll(events));
        assertEquals(Events.IN | Events.OUT, events.events(0));
        UdpSocket.Datagram d = server.tryReceive();
        assertArrayEquals(bytes("ping"), d.data());
        assertEquals(A_ADDR, d.srcAddress());
        assertEquals(Events.OUT, p.poll(events) == 1 ? events.events(0) : 0);
    }

    @Test
    void closingASocketDropsItsRegistration() throws Exception {
        TcpSocket[] c = connect(net.b.listenTcp(7, 8));
        Poller p = new Poller();
        PollKey key = p.register(c[1], Events.IN, null);
        send(c[0], "data");
        assertEquals(1, p.poll(events));
        c[1].close();
        assertFalse(key.isValid(), "closing the socket removes it from the poller, as close(2) does with epoll");
        assertEquals(0, p.poll(events));
        assertThrows(IllegalStateException.class, () -> p.register(c[1], Events.IN, null));
    }

    @Test
    void anEchoLoopOnTheStackThreadAnswersWithinThePollThatReadTheRequest() throws Exception {
        TcpListener l = net.b.listenTcp(7, 8);
        Poller p = new Poller(net.b::wakeup);
        p.register(l, Events.IN, l);
        PollEvents ev = new PollEvents(16);
        byte[] buf = new byte[4096];
        AtomicInteger stackThreadCalls = new AtomicInteger();
        net.b.addAgent(now -> {
            stackThreadCalls.incrementAndGet();
            int n = p.poll(ev);
            for (int i = 0; i < n; i++) {
                try {
                    if (ev.attachment(i) == l) {
                        TcpSocket s;
                        while ((s = l.accept(0, TimeUnit.NANOSECONDS)) != null) {
                            p.register(s, Events.IN | Events.ET, null);
                        }
                    } else {
                        TcpSocket s = (TcpSocket) ev.socket(i);
                        int r;
                        while ((r = s.tryRead(buf, 0, buf.length)) > 0) {
                            s.tryWrite(buf, 0, r);
                        }
                        if (r < 0) {
                            s.close();
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return n;
        });
        TcpSocket client = net.a.connectTcp(B_ADDR, 7);
        net.runUntil(() -> client.state() == TcpState.ESTABLISHED, 5 * SEC);
        for (int round = 0; round < 10; round++) {
            byte[] msg = bytes("request " + round);
            client.tryWrite(msg, 0, msg.length);
            long before = net.clock.nanoTime();
            byte[] got = new byte[msg.length];
            int[] have = {0};
            net.runUntil(() -> {
                try {
                    int r = client.tryRead(got, have[0], got.length - have[0]);
                    have[0] += Math.max(0, r);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return have[0] == got.length;
            }, SEC);
            assertArrayEquals(msg, got);
            assertEquals(before, net.clock.nanoTime(), "answered at the same virtual instant: no timer, no handoff");
        }
        assertTrue(stackThreadCalls.get() > 0);
        assertEquals(0, net.b.statistics().get(io.tapwire.Stat.RX_INTERNAL_ERRORS));
    }

    @Test
    void twoPollersOnOneConnectionAreBothToldAndOneCanLeave() throws Exception {
        TcpSocket[] c = connect(net.b.listenTcp(7, 8));
        Poller first = new Poller();
        Poller second = new Poller();
        PollKey k1 = first.register(c[1], Events.IN | Events.ET, 1);
        second.register(c[1], Events.IN | Events.ET, 2);
        send(c[0], "x");
        assertEquals(1, first.poll(events));
        assertEquals(1, second.poll(events));
        first.unregister(k1);
        send(c[0], "y");
        assertEquals(0, first.poll(events), "unregistered: no longer told");
        assertEquals(1, second.poll(events), "the other registration still is");
        c[1].close();
        assertEquals(0, second.poll(events));
    }
}
