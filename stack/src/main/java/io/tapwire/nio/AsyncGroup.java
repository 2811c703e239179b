package io.tapwire.nio;

import java.io.IOException;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ShutdownChannelGroupException;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link AsynchronousChannelGroup} on a {@link SelectorProvider}'s channels and selector: one
 * event thread owns a {@link Selector} and performs the I/O when a channel is ready (as the JDK's
 * Linux provider does on its epoll port); completion handlers run on the group's executor; a
 * timer thread ends operations whose timeout passes. Channel keys are only touched on the event
 * thread (requests from other threads are queued and the selector woken).
 */
final class AsyncGroup extends AsynchronousChannelGroup {
    private static final AtomicInteger GROUPS = new AtomicInteger();

    private final SelectorProvider selectorProvider;
    private final ExecutorService executor;
    private final boolean isDefault;
    private final Selector selector;
    private final Thread eventThread;
    private final ScheduledThreadPoolExecutor timer;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Set<AsyncChannel> channels = ConcurrentHashMap.newKeySet();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean shutdown;

    /** A channel of this group, told when its key is ready. */
    interface AsyncChannel {
        /** On the event thread: the key's ready set. */
        void onReady(SelectionKey key);

        /** Closes the channel (shutdownNow). */
        void forceClose();
    }

    AsyncGroup(TapwireAsynchronousChannelProvider provider, SelectorProvider selectorProvider, ExecutorService executor, boolean isDefault)
            throws IOException {
        super(provider);
        this.selectorProvider = selectorProvider;
        this.executor = executor;
        this.isDefault = isDefault;
        this.selector = selectorProvider.openSelector();
        int id = GROUPS.incrementAndGet();
        this.timer = new ScheduledThreadPoolExecutor(1, daemon("tapwire-async-timer-" + id));
        timer.setRemoveOnCancelPolicy(true);
        this.eventThread = daemon("tapwire-async-" + id).newThread(this::loop);
        eventThread.start();
    }

    static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + (name.endsWith("-") ? n.incrementAndGet() : ""));
            t.setDaemon(true);
            return t;
        };
    }

    SelectorProvider selectorProvider() {
        return selectorProvider;
    }

    /** Adds a channel being opened; fails as the JDK does once the group is shut down. */
    void attach(AsyncChannel channel) {
        if (shutdown) {
            throw new ShutdownChannelGroupException();
        }
        channels.add(channel);
    }

    /** Forgets a closed channel; the last one of a shut-down group terminates it. */
    void detach(AsyncChannel channel) {
        channels.remove(channel);
        if (shutdown && channels.isEmpty()) {
            terminate();
        }
    }

    /** Runs {@code task} on the event thread (now when called there). */
    void onEventThread(Runnable task) {
        if (Thread.currentThread() == eventThread) {
            task.run();
            return;
        }
        tasks.add(task);
        selector.wakeup();
    }

    /** Registers (or finds) the channel's key and sets its interest set, on the event thread. */
    void interest(java.nio.channels.SelectableChannel ch, AsyncChannel owner, int ops) {
        onEventThread(() -> {
            if (!ch.isOpen()) {
                return;
            }
            try {
                SelectionKey key = ch.keyFor(selector);
                if (key == null) {
                    if (ops != 0) {
                        ch.register(selector, ops, owner);
                    }
                } else if (key.isValid()) {
                    key.interestOps(ops);
                }
            } catch (IOException | RuntimeException e) {
                // A channel closed meanwhile: its close fails the pending operations.
            }
        });
    }

    /** Runs a completion handler on the group's executor. */
    void dispatch(Runnable completion) {
        try {
            executor.execute(completion);
        } catch (RejectedExecutionException e) {
            // The executor was shut down under us: run it on a fresh thread rather than lose it.
            Thread t = new Thread(completion, "tapwire-async-completion");
            t.setDaemon(true);
            t.start();
        }
    }

    /** Schedules {@code task} after {@code timeout} (the operation's timer). */
    ScheduledFuture<?> schedule(Runnable task, long timeout, TimeUnit unit) {
        return timer.schedule(task, timeout, unit);
    }

    private void loop() {
        try {
            while (!shutdownDone()) {
                Runnable t;
                while ((t = tasks.poll()) != null) {
                    t.run();
                }
                selector.select(1000);
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isValid() && key.attachment() instanceof AsyncChannel c) {
                        try {
                            c.onReady(key);
                        } catch (RuntimeException e) {
                            c.forceClose();
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | ClosedSelectorException e) {
            // The selector is gone: the group is over.
        } finally {
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private boolean shutdownDone() {
        return terminated.getCount() == 0;
    }

    private synchronized void terminate() {
        if (terminated.getCount() == 0) {
            return;
        }
        timer.shutdownNow();
        if (!isDefault) {
            executor.shutdown();
        }
        terminated.countDown();
        selector.wakeup();
    }

    /** Closes every channel and stops the threads, also of a default group (see the provider). */
    void close() {
        shutdown = true;
        for (AsyncChannel c : channels) {
            c.forceClose();
        }
        terminate();
        executor.shutdown();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    @Override
    public void shutdown() {
        if (isDefault) {
            return; // the provider's default group lives as long as the program (as the JDK's)
        }
        shutdown = true;
        if (channels.isEmpty()) {
            terminate();
        }
    }

    @Override
    public void shutdownNow() throws IOException {
        if (isDefault) {
            return;
        }
        shutdown = true;
        for (AsyncChannel c : channels) {
            c.forceClose();
        }
        terminate();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }
}
