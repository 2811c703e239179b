package io.tapwire.apps.tcpsvc;

import io.tapwire.apps.net.StreamConnection;
import io.tapwire.apps.net.StreamListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A connection-per-thread server over a {@link StreamListener}: an accept loop on its own thread
 * and one {@link #serve(LiveConnection)} call per connection on a bounded pool.
 *
 * <p>At most {@code maxConnections} connections are served at once. A connection accepted beyond
 * that is closed at once with a log line: the peer sees the handshake complete and then a FIN,
 * which load generators report as a failed request rather than hanging on a full backlog.
 *
 * <p>Every connection is in the {@link ConnectionRegistry} from accept until its handler returns;
 * the base class then closes it, so a handler just returns when done. An {@link IOException} out of
 * a handler (peer reset, connection closed by {@link #close()}) ends that connection quietly.
 *
 * <pre>{@code
 * EchoService echo = new EchoService(listener, registry);
 * echo.start();
 * ...
 * echo.close();   // stops accepting and closes the live connections
 * }</pre>
 */
public abstract class StreamServer implements AutoCloseable {
    /** The default bound on connections served at the same time. */
    public static final int DEFAULT_MAX_CONNECTIONS = 256;

    private static final Logger log = LoggerFactory.getLogger(StreamServer.class);
    private static final long ACCEPT_RETRY_MILLIS = 50;

    private final String service;
    private final StreamListener listener;
    private final ConnectionRegistry registry;
    private final int maxConnections;
    private final Semaphore permits;
    private final ThreadPoolExecutor workers;
    private final Set<LiveConnection> own = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private Thread acceptThread;
    private volatile boolean closed;

    /**
     * @param service a short name for logs and the registry, such as {@code echo}
     * @param listener where connections come from; the server owns it and closes it on {@link #close()}
     * @param registry where live connections are listed; may be shared between servers
     * @param maxConnections how many connections are served at once, at least 1
     */
    protected StreamServer(String service, StreamListener listener, ConnectionRegistry registry, int maxConnections) {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, got " + maxConnections);
        }
        this.service = service;
        this.listener = listener;
        this.registry = registry;
        this.maxConnections = maxConnections;
        this.permits = new Semaphore(maxConnections);
        // As many threads as permits, idle ones retire: a task admitted by the semaphore never waits
        // for more than a finishing handler to return its thread to the pool.
        AtomicInteger threadCount = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(maxConnections, maxConnections, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> daemon(r, service + "-" + threadCount.incrementAndGet()));
        this.workers.allowCoreThreadTimeOut(true);
    }

    /**
     * Serves one connection; runs on a pool thread. Return (or throw) when done: the base class
     * closes the connection and removes it from the registry.
     */
    protected abstract void serve(LiveConnection connection) throws IOException;

    /** Starts the accept loop on its own daemon thread. */
    public synchronized void start() {
        if (acceptThread != null) {
            throw new IllegalStateException(service + " already started");
        }
        if (closed) {
            throw new IllegalStateException(service + " is closed");
        }
        acceptThread = daemon(this::acceptLoop, service + "-accept");
        acceptThread.start();
        log.info("{} listening on {}", service, listener.localDescription());
    }

    private void acceptLoop() {
        while (!closed) {
            StreamConnection connection;
            try {
                connection = listener.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                log.warn("{}: accept failed: {}", service, e.getMessage());
                sleepQuietly(ACCEPT_RETRY_MILLIS);
                continue;
            } catch (RuntimeException e) {
                log.error("{}: listener failed, accept loop stopped", service, e);
                return;
            }
            admit(connection);
        }
    }

    private void admit(StreamConnection connection) {
        if (closed) {
            connection.close();
            return;
        }
        accepted.incrementAndGet();
        if (!permits.tryAcquire()) {
            rejected.incrementAndGet();
            log.warn("{}: {} connections already open, closing new connection from {}",
                    service, maxConnections, connection.remoteDescription());
            connection.close();
            return;
        }
        LiveConnection live = registry.register(service, connection);
        own.add(live);
        if (closed) {
            // close() may have swept the set before we added to it.
            live.close();
        }
        log.debug("{}: accepted {}", service, live);
        try {
            workers.execute(() -> run(live));
        } catch (RuntimeException e) {
            // Rejected: only after close() has shut the pool down.
            finish(live);
        }
    }

    private void run(LiveConnection live) {
        try {
            serve(live);
        } catch (IOException e) {
            log.debug("{}: {} ended: {}", service, live, e.toString());
        } catch (RuntimeException e) {
            log.warn("{}: handler for {} failed", service, live, e);
        } finally {
            finish(live);
        }
    }

    private void finish(LiveConnection live) {
        live.close();
        own.remove(live);
        registry.remove(live);
        permits.release();
        log.debug("{}: closed {} after {} bytes in, {} bytes out", service, live, live.bytesIn(), live.bytesOut());
    }

    /** Stops accepting, closes the listener and every connection of this server. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        listener.close();
        for (LiveConnection live : own) {
            live.close();
        }
        workers.shutdown();
        Thread thread;
        synchronized (this) {
            thread = acceptThread;
        }
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The service name given to the constructor. */
    public String service() {
        return service;
    }

    /** Where the listener listens. */
    public String localDescription() {
        return listener.localDescription();
    }

    /** The registry this server lists its connections in. */
    public ConnectionRegistry registry() {
        return registry;
    }

    /** Connections of this server open right now. */
    public int liveConnections() {
        return own.size();
    }

    /** Connections accepted since start, including rejected ones. */
    public long acceptedConnections() {
        return accepted.get();
    }

    /** Connections closed at once because {@code maxConnections} were already open. */
    public long rejectedConnections() {
        return rejected.get();
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
