package io.tapwire.nio;

import java.io.IOException;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.IllegalChannelGroupException;
import java.nio.channels.spi.AsynchronousChannelProvider;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * NIO.2's asynchronous TCP channels ({@link AsynchronousSocketChannel},
 * {@link AsynchronousServerSocketChannel}, {@link AsynchronousChannelGroup}) on a
 * {@link SelectorProvider}'s channels: by default the JDK's installed one, which under
 * {@code tapwire run} is {@link TapwireSelectorProvider}, so programs written against NIO.2 reach
 * the stack too. The JDK picks it through the {@value TapwireNio#ASYNC_PROVIDER_PROPERTY} system
 * property, which {@code tapwire run} sets.
 *
 * <p>Each group has one event thread running a selector and a thread pool for completion
 * handlers (a fixed pool of the size asked for, the caller's executor, or, for the default group,
 * a cached pool of daemon threads as the JDK's default group uses).
 */
public class TapwireAsynchronousChannelProvider extends AsynchronousChannelProvider {
    private final SelectorProvider selectorProvider;
    private volatile AsyncGroup defaultGroup;

    /** On the JDK's installed {@code SelectorProvider} (the JDK calls this one). */
    public TapwireAsynchronousChannelProvider() {
        this(SelectorProvider.provider());
    }

    /** On {@code selectorProvider}'s channels and selectors. */
    public TapwireAsynchronousChannelProvider(SelectorProvider selectorProvider) {
        this.selectorProvider = java.util.Objects.requireNonNull(selectorProvider, "selectorProvider");
    }

    /** The provider whose channels and selectors the asynchronous channels use. */
    public SelectorProvider selectorProvider() {
        return selectorProvider;
    }

    @Override
    public AsynchronousChannelGroup openAsynchronousChannelGroup(int nThreads, ThreadFactory threadFactory) throws IOException {
        if (nThreads <= 0) {
            throw new IllegalArgumentException("'nThreads' must be > 0");
        }
        return new AsyncGroup(this, selectorProvider, Executors.newFixedThreadPool(nThreads, threadFactory), false);
    }

    @Override
    public AsynchronousChannelGroup openAsynchronousChannelGroup(ExecutorService executor, int initialSize) throws IOException {
        return new AsyncGroup(this, selectorProvider, java.util.Objects.requireNonNull(executor, "executor"), false);
    }

    @Override
    public AsynchronousServerSocketChannel openAsynchronousServerSocketChannel(AsynchronousChannelGroup group) throws IOException {
        return new AsyncServerSocketChannel(this, groupOf(group));
    }

    @Override
    public AsynchronousSocketChannel openAsynchronousSocketChannel(AsynchronousChannelGroup group) throws IOException {
        return new AsyncSocketChannel(this, groupOf(group));
    }

    private AsyncGroup groupOf(AsynchronousChannelGroup group) throws IOException {
        if (group == null) {
            return defaultGroup();
        }
        if (group instanceof AsyncGroup g && g.provider() == this) {
            return g;
        }
        throw new IllegalChannelGroupException();
    }

    /**
     * Ends the default group (its channels closed, its threads stopped) so a provider made for a
     * stack that is going away leaves nothing running; the JDK's default group has no such end,
     * and a later channel of the default group starts a new one.
     */
    void closeDefaultGroup() throws IOException {
        AsyncGroup g;
        synchronized (this) {
            g = defaultGroup;
            defaultGroup = null;
        }
        if (g != null) {
            g.close();
        }
    }

    private AsyncGroup defaultGroup() throws IOException {
        AsyncGroup g = defaultGroup;
        if (g == null) {
            synchronized (this) {
                g = defaultGroup;
                if (g == null) {
                    g = new AsyncGroup(this, selectorProvider, Executors.newCachedThreadPool(AsyncGroup.daemon("tapwire-async-handler-")), true);
                    defaultGroup = g;
                }
            }
        }
        return g;
    }
}
