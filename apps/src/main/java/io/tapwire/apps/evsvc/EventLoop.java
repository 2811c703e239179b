package io.tapwire.apps.evsvc;

import io.tapwire.Stack;
import io.tapwire.StackAgent;
import io.tapwire.apps.tcpsvc.ConnectionInfo;
import io.tapwire.event.Events;
import io.tapwire.socket.PollEvents;
import io.tapwire.socket.Poller;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A reactor (the seed notes' epoll event loop) serving several TCP services on one
 * {@link Poller}: listeners are watched for IN and accepted until accept would block; each
 * connection is registered edge-triggered for IN, OUT and RDHUP, and its service's
 * {@link ConnectionHandler} runs when it is ready. No thread per connection.
 *
 * <p>Two ways to run: {@link Mode#STACK} makes the loop a {@link StackAgent}, so it runs on the
 * stack thread inside every poll (run-to-completion: a request is read, handled and answered with
 * no handoff between threads — the fastest on few cores); {@link Mode#THREAD} runs it on a thread
 * of its own that blocks in {@link Poller#wait}.
 *
 * <p>Connections are limited only by memory: {@code maxConnections} defaults to one per KiB of
 * the heap the JVM may use; beyond it a new connection is closed at once with a log line saying
 * what to raise.
 *
 * <p>Each connection has one timeout ({@link EventConnection#armTimeout}); when it expires, the
 * handler is called with {@link #TIMEOUT}. Timeouts live in one FIFO {@link TimeoutQueue} per
 * length, O(1) and allocation-free per arm. Time comes from the loop's turn: in {@link Mode#STACK}
 * it is the {@code nowNanos} of {@link #doWork} (never a clock of its own, so the loop runs on
 * virtual time too) and {@link #nextDeadline()} makes {@code Stack.poll} wake the stack thread for
 * the next expiry; in {@link Mode#THREAD} it is {@link System#nanoTime()}, and the loop's wait is
 * bounded by the next expiry.
 */
public final class EventLoop implements StackAgent, AutoCloseable {
    /** Where the loop runs. */
    public enum Mode { STACK, THREAD }

    /**
     * The event a handler gets when its connection's timeout expires; a bit no {@link Events}
     * readiness bit uses.
     */
    public static final int TIMEOUT = 1 << 24;

    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
    private static final long MAX_WAIT_NANOS = 100_000_000L;
    private static final int CONNECTION_EVENTS = Events.IN | Events.OUT | Events.RDHUP | Events.ET;
    private static final long LIMIT_LOG_INTERVAL_NANOS = 10_000_000_000L;

    final byte[] scratch = new byte[64 * 1024];
    private final Stack stack;
    private final Mode mode;
    private final Poller poller;
    private final PollEvents events = new PollEvents(512);
    private final List<TcpListener> listeners = new ArrayList<>();
    private final long maxConnections;
    private EventConnection head;
    private long open;
    private long accepted;
    private long rejected;
    private long lastLimitLog = Long.MIN_VALUE;
    private TimeoutQueue[] timeoutQueues = new TimeoutQueue[0];
    /** The time of the current turn (see the class comment). */
    private long now;
    private volatile boolean closed;
    private Thread thread;

    private EventLoop(Stack stack, Mode mode, long maxConnections) {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, got " + maxConnections);
        }
        this.stack = stack;
        this.mode = mode;
        this.maxConnections = maxConnections;
        this.poller = mode == Mode.STACK ? new Poller(stack::wakeup) : new Poller();
    }

    /** The default connection limit: one per KiB of the maximum heap. */
    public static long defaultMaxConnections() {
        return Math.max(1024, Runtime.getRuntime().maxMemory() / 1024);
    }

    /**
     * Listens on every service's port and starts serving.
     *
     * @param backlog the accept-queue length asked for each listener (bounded by somaxconn)
     */
    public static EventLoop start(Stack stack, List<EventService> services, Mode mode, int backlog, long maxConnections,
                                  SocketOptions options) throws IOException {
        EventLoop loop = new EventLoop(stack, mode, maxConnections);
        try {
            for (EventService s : services) {
                TcpListener l = stack.listenTcp(s.port(), backlog, options);
                loop.listeners.add(l);
                loop.poller.register(l, Events.IN, s);
            }
        } catch (IOException | RuntimeException e) {
            loop.close();
            throw e;
        }
        if (mode == Mode.STACK) {
            stack.addAgent(loop);
        } else {
            loop.thread = new Thread(loop::runThread, "event-loop");
            loop.thread.setDaemon(true);
            loop.thread.start();
        }
        return loop;
    }

    /** One turn on the stack thread: handle what is ready and what timed out, never block. */
    @Override
    public int doWork(long nowNanos) {
        if (closed) {
            return 0;
        }
        now = nowNanos;
        int n = poller.poll(events);
        dispatch(n);
        return n + expire();
    }

    /** The earliest timeout of any connection, on the clock of {@link #doWork}'s {@code nowNanos}. */
    @Override
    public long nextDeadline() {
        long deadline = Long.MAX_VALUE;
        for (TimeoutQueue q : timeoutQueues) {
            deadline = Math.min(deadline, q.nextDeadline());
        }
        return deadline;
    }

    private void runThread() {
        now = System.nanoTime();
        while (!closed) {
            try {
                long deadline = nextDeadline();
                long wait = deadline == Long.MAX_VALUE ? MAX_WAIT_NANOS
                        : Math.max(0, Math.min(MAX_WAIT_NANOS, deadline - now));
                int n = wait == 0 ? poller.poll(events) : poller.wait(events, wait, TimeUnit.NANOSECONDS);
                now = System.nanoTime();
                dispatch(n);
                expire();
            } catch (java.io.InterruptedIOException e) {
                return;
            } catch (IllegalStateException e) {
                if (closed) {
                    return;
                }
                throw e;
            }
        }
    }

    private void dispatch(int n) {
        for (int i = 0; i < n; i++) {
            Object a = events.attachment(i);
            if (a instanceof EventConnection c) {
                serve(c, events.events(i));
            } else {
                acceptAll((TcpListener) events.socket(i), (EventService) a);
            }
        }
    }

    private void acceptAll(TcpListener l, EventService service) {
        TcpSocket s;
        try {
            while ((s = l.accept(0, TimeUnit.NANOSECONDS)) != null) {
                accepted++;
                if (open >= maxConnections) {
                    rejected++;
                    s.close();
                    logLimit(service);
                    continue;
                }
                EventConnection c = new EventConnection(this, service, s, accepted, now);
                link(c);
                c.key = poller.register(s, CONNECTION_EVENTS, c);
            }
        } catch (IOException e) {
            if (!closed) {
                log.warn("{}: accept failed: {}", service.name(), e.getMessage());
            }
        }
    }

    private void logLimit(EventService service) {
        if (lastLimitLog == Long.MIN_VALUE || now - lastLimitLog >= LIMIT_LOG_INTERVAL_NANOS) {
            lastLimitLog = now;
            log.warn("{}: {} connections open, the limit for this heap ({} MiB, about 1 KiB each); closing new connections "
                    + "({} so far). Raise -Xmx or the connection limit to serve more.", service.name(), open,
                    Runtime.getRuntime().maxMemory() >> 20, rejected);
        }
    }

    /** Calls the handlers of connections whose timeout is due; returns how many. */
    private int expire() {
        int fired = 0;
        for (TimeoutQueue q : timeoutQueues) {
            EventConnection c;
            while ((c = q.pollExpired(now)) != null) {
                fired++;
                serve(c, TIMEOUT);
            }
        }
        return fired;
    }

    void armTimeout(EventConnection c, long timeoutNanos) {
        if (timeoutNanos < 0) {
            throw new IllegalArgumentException("timeout must not be negative, got " + timeoutNanos + " ns");
        }
        c.cancelTimeout();
        queueFor(timeoutNanos).add(c, now);
    }

    private TimeoutQueue queueFor(long timeoutNanos) {
        for (TimeoutQueue q : timeoutQueues) {
            if (q.timeoutNanos == timeoutNanos) {
                return q;
            }
        }
        TimeoutQueue q = new TimeoutQueue(timeoutNanos);
        timeoutQueues = Arrays.copyOf(timeoutQueues, timeoutQueues.length + 1);
        timeoutQueues[timeoutQueues.length - 1] = q;
        return q;
    }

    private void serve(EventConnection c, int ev) {
        if (c.isClosed()) {
            return;
        }
        try {
            if ((ev & Events.OUT) != 0 && c.hasPending()) {
                c.flush();
            }
            c.service.handler().handle(c, ev);
            if (!c.isClosed() && (ev & (Events.ERR | Events.HUP)) != 0 && (ev & Events.IN) == 0) {
                close(c);
            }
        } catch (IOException e) {
            // The peer reset or went away: the normal end of a connection.
            close(c);
        } catch (RuntimeException e) {
            log.error("{}: handler failed; closing the connection", c, e);
            close(c);
        }
    }

    void close(EventConnection c) {
        if (c.isClosed()) {
            return;
        }
        c.key = null; // closed
        c.cancelTimeout();
        unlink(c);
        c.socket.close();
    }

    private void link(EventConnection c) {
        c.next = head;
        if (head != null) {
            head.prev = c;
        }
        head = c;
        open++;
    }

    private void unlink(EventConnection c) {
        if (c.prev != null) {
            c.prev.next = c.next;
        } else {
            head = c.next;
        }
        if (c.next != null) {
            c.next.prev = c.prev;
        }
        c.prev = null;
        c.next = null;
        open--;
    }

    /** Runs {@code action} for each open connection; call on the loop's thread (or after close). */
    public void forEachConnection(Consumer<EventConnection> action) {
        for (EventConnection c = head; c != null; c = c.next) {
            action.accept(c);
        }
    }

    /** What the HTTP index page lists: every open connection of every service; call on the loop's thread. */
    public List<ConnectionInfo> connectionInfos() {
        List<ConnectionInfo> infos = new ArrayList<>();
        for (EventConnection c = head; c != null; c = c.next) {
            infos.add(c.info());
        }
        // The list is newest first; the page lists the oldest first.
        java.util.Collections.reverse(infos);
        return infos;
    }

    /** The time of the current turn: {@code nowNanos} of the poll in STACK mode, {@link System#nanoTime()} in THREAD mode. */
    public long now() {
        return now;
    }

    public Mode mode() {
        return mode;
    }

    /** Connections open now (read from another thread it is a recent value). */
    public long openConnections() {
        return open;
    }

    public long acceptedConnections() {
        return accepted;
    }

    /** Connections closed at once because the limit was reached. */
    public long rejectedConnections() {
        return rejected;
    }

    public long maxConnections() {
        return maxConnections;
    }

    /** Stops serving: listeners closed (their unaccepted connections reset), open connections closed. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (TcpListener l : listeners) {
            l.close();
        }
        if (mode == Mode.STACK) {
            stack.removeAgent(this);
            // The loop's connections belong to the stack thread: close them there.
            stack.execute(this::closeAll);
        } else {
            poller.wakeup();
            if (thread != null) {
                try {
                    thread.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            closeAll();
        }
        poller.close();
    }

    private void closeAll() {
        while (head != null) {
            close(head);
        }
    }
}
