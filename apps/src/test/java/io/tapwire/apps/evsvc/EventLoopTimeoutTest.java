package io.tapwire.apps.evsvc;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.StackRunner;
import io.tapwire.event.Events;
import io.tapwire.link.VirtualDevice;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.time.Clock;
import io.tapwire.wire.MacAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The event loop's timeouts: FIFO queues per length, expiry exactly at the deadline on virtual
 * time (the loop in STACK mode gets time only from {@code Stack.poll}, and {@code poll} wakes for
 * the loop's deadline), re-arming, cancelling, and the THREAD mode on a real clock.
 */
@Timeout(60)
class EventLoopTimeoutTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1000 * MS;
    private static final int PORT = 4000;

    /** When each connection's timeout fired (virtual time), in firing order. */
    private final List<Long> firedAt = new ArrayList<>();

    private final byte[] scratch = new byte[4096];

    /**
     * A service that arms {@code timeoutNanos} when a connection arrives, re-arms it whenever data
     * arrives (an idle timeout), cancels it when it reads "stop", and closes on expiry.
     */
    private EventService idleService(long timeoutNanos) {
        return new EventService("idle", PORT, (c, events) -> {
            if (events == EventLoop.TIMEOUT) {
                firedAt.add(c.loop().now());
                c.close();
                return;
            }
            if (c.position == 0) {
                c.position = 1;
                c.armTimeout(timeoutNanos);
            }
            int n;
            while ((n = c.read(scratch, 0, scratch.length)) > 0) {
                if (new String(scratch, 0, n).equals("stop")) {
                    c.cancelTimeout();
                } else {
                    c.armTimeout(timeoutNanos);
                }
            }
            if (n < 0) {
                c.close();
            }
        });
    }

    private static TcpSocket connect(VirtualWire w) {
        TcpSocket s = w.a.connectTcp(VirtualWire.B_ADDR, PORT);
        w.runUntil(() -> s.state() == TcpState.ESTABLISHED, 5 * SEC);
        return s;
    }

    private boolean closedByServer(TcpSocket s) {
        try {
            return s.tryRead(scratch, 0, scratch.length) < 0;
        } catch (IOException e) {
            throw new AssertionError("expected the server's FIN, got " + e, e);
        }
    }

    @Test
    void timeoutFiresExactlyAtItsDeadlineBecausePollWakesForIt() throws Exception {
        VirtualWire w = new VirtualWire();
        EventLoop loop = EventLoop.start(w.b, List.of(idleService(5 * SEC)), EventLoop.Mode.STACK, 16, 100,
                SocketOptions.defaults());
        TcpSocket client = connect(w);
        w.runUntil(() -> loop.openConnections() == 1, SEC);
        long armedAt = w.clock.nanoTime();
        assertEquals(armedAt + 5 * SEC, w.b.poll(armedAt), "the stack's deadline is the loop's timeout");
        w.runFor(10 * SEC);
        assertEquals(List.of(armedAt + 5 * SEC), firedAt, "fired once, at the deadline to the nanosecond");
        assertEquals(0, loop.openConnections());
        assertTrue(closedByServer(client), "the client sees the server's FIN");
        assertEquals(Long.MAX_VALUE, loop.nextDeadline());
    }

    @Test
    void rearmingPushesTheDeadlineBackAndCancellingStopsIt() throws Exception {
        VirtualWire w = new VirtualWire();
        EventLoop loop = EventLoop.start(w.b, List.of(idleService(5 * SEC)), EventLoop.Mode.STACK, 16, 100,
                SocketOptions.defaults());
        TcpSocket rearmed = connect(w);
        TcpSocket cancelled = connect(w);
        w.runUntil(() -> loop.openConnections() == 2, SEC);
        w.runFor(3 * SEC);
        long wrote = w.clock.nanoTime();
        rearmed.tryWrite("ping".getBytes(), 0, 4);
        cancelled.tryWrite("stop".getBytes(), 0, 4);
        w.settle(); // the virtual wire has no delay: both arrive at this instant
        w.runFor(60 * SEC);
        assertEquals(List.of(wrote + 5 * SEC), firedAt,
                "only the re-armed connection timed out, 5 s after its data (not after the accept)");
        assertTrue(closedByServer(rearmed));
        assertFalse(closedByServer(cancelled), "no timeout after cancel");
        assertEquals(1, loop.openConnections());
    }

    @Test
    void timeoutsOfDifferentLengthsFireInDeadlineOrder() throws Exception {
        VirtualWire w = new VirtualWire();
        List<String> order = new ArrayList<>();
        EventService mixed = new EventService("mixed", PORT, (c, events) -> {
            if (events == EventLoop.TIMEOUT) {
                order.add(c.position + "s@" + (c.loop().now() / MS));
                c.close();
            } else if (c.state == null) {
                c.state = Boolean.TRUE;
                // The n-th connection waits 9, 3, 6 seconds: three queues, heads out of arm order.
                c.position = new long[] {9, 3, 6}[(int) c.id - 1];
                c.armTimeout(c.position * SEC);
            }
        });
        EventLoop loop = EventLoop.start(w.b, List.of(mixed), EventLoop.Mode.STACK, 16, 100, SocketOptions.defaults());
        long start = w.clock.nanoTime();
        for (int i = 1; i <= 3; i++) {
            connect(w);
            int open = i;
            w.runUntil(() -> loop.openConnections() == open, SEC);
            w.settle();
        }
        assertEquals(start, w.clock.nanoTime(), "all three armed at one instant");
        w.runFor(20 * SEC);
        long s0 = start / MS;
        assertEquals(List.of("3s@" + (s0 + 3000), "6s@" + (s0 + 6000), "9s@" + (s0 + 9000)), order);
    }

    @Test
    void queueKeepsArmOrderAndUnlinksFromAnyPosition() {
        TimeoutQueue q = new TimeoutQueue(10);
        EventConnection[] c = new EventConnection[4];
        for (int i = 0; i < c.length; i++) {
            c[i] = new EventConnection(null, null, null, i, 0);
            q.add(c[i], 100 + i);
        }
        assertEquals(110, q.nextDeadline());
        q.remove(c[0]);
        q.remove(c[2]);
        assertEquals(111, q.nextDeadline());
        assertNull(q.pollExpired(110), "nothing due before the head's deadline");
        assertSame(c[1], q.pollExpired(200));
        assertSame(c[3], q.pollExpired(200));
        assertNull(q.pollExpired(200));
        assertEquals(Long.MAX_VALUE, q.nextDeadline());
        assertNull(c[1].timeoutQueue, "an expired connection is in no queue");
    }

    @Test
    void aZeroTimeoutReArmedOnExpiryFiresOncePerTurn() throws Exception {
        VirtualWire w = new VirtualWire();
        int[] fired = {0};
        EventService spinning = new EventService("zero", PORT, (c, events) -> {
            if (events == EventLoop.TIMEOUT) {
                fired[0]++;
                if (fired[0] == 1000) {
                    c.close();
                    return;
                }
            }
            c.armTimeout(0);
        });
        EventLoop loop = EventLoop.start(w.b, List.of(spinning), EventLoop.Mode.STACK, 16, 100, SocketOptions.defaults());
        connect(w);
        long before = w.clock.nanoTime();
        w.runUntil(() -> loop.openConnections() == 0 && fired[0] > 0, SEC);
        assertEquals(1000, fired[0]);
        assertTrue(w.clock.nanoTime() - before >= 999, "each expiry a turn (1 ns) after the last, not all in one pass");
    }

    @Test
    void onItsOwnThreadTheLoopBoundsItsWaitByTheNextTimeout() throws Exception {
        VirtualDevice devA = new VirtualDevice("a", 1500, 256);
        VirtualDevice devB = new VirtualDevice("b", 1500, 256);
        VirtualDevice.connect(devA, devB);
        Stack a = new Stack(devA, config(VirtualWire.A_ADDR, "02:00:00:00:00:01"));
        Stack b = new Stack(devB, config(VirtualWire.B_ADDR, "02:00:00:00:00:02"));
        try (StackRunner ra = new StackRunner(a, devA, Clock.SYSTEM).busyPollNanos(0).start();
             StackRunner rb = new StackRunner(b, devB, Clock.SYSTEM).busyPollNanos(0).start();
             EventLoop loop = EventLoop.start(b, List.of(idleService(50 * MS)), EventLoop.Mode.THREAD, 16, 100,
                     SocketOptions.defaults())) {
            TcpSocket s = TcpSocket.connect(a, VirtualWire.B_ADDR, PORT, 10, TimeUnit.SECONDS);
            s.setSoTimeout(20, TimeUnit.SECONDS);
            // Within the 20 s read timeout (a timeout would throw): the loop woke for its 50 ms timeout.
            assertEquals(-1, s.inputStream().read(), "closed by the idle timeout, a FIN");
            assertEquals(1, firedAt.size());
        }
    }

    private static StackConfig config(int addr, String mac) {
        StackConfig c = new StackConfig();
        c.address = addr;
        c.mac = MacAddress.parse(mac);
        c.prefixLength = 24;
        // IPv4 only (disable_ipv6=1): IPv6's DAD and MLD timers would be deadlines of their own.
        c.disableIpv6 = true;
        return c;
    }

    static {
        // Events and TIMEOUT must not overlap, or a handler could not tell them apart.
        if ((EventLoop.TIMEOUT & (Events.READINESS | Events.ET | Events.ONESHOT | Events.EXCLUSIVE)) != 0) {
            throw new AssertionError("TIMEOUT overlaps an Events bit");
        }
    }
}
