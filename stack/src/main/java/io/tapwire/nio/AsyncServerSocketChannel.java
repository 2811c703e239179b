package io.tapwire.nio;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.AcceptPendingException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.Future;

/**
 * An {@link AsynchronousServerSocketChannel} over a non-blocking {@link ServerSocketChannel} of
 * the group's {@code SelectorProvider}: one accept pending at a time, tried at once on the
 * caller's thread and otherwise completed by the event thread when a connection is queued.
 */
final class AsyncServerSocketChannel extends AsynchronousServerSocketChannel implements AsyncGroup.AsyncChannel {
    private final TapwireAsynchronousChannelProvider provider;
    private final AsyncGroup group;
    private final ServerSocketChannel ch;
    private final Object lock = new Object();
    private AsyncOp<AsynchronousSocketChannel> acceptOp;
    private boolean closed;

    AsyncServerSocketChannel(TapwireAsynchronousChannelProvider provider, AsyncGroup group) throws IOException {
        super(provider);
        this.provider = provider;
        this.group = group;
        this.ch = group.selectorProvider().openServerSocketChannel();
        try {
            ch.configureBlocking(false);
            group.attach(this);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public AsynchronousServerSocketChannel bind(SocketAddress local, int backlog) throws IOException {
        ch.bind(local, backlog);
        return this;
    }

    @Override
    public <T> AsynchronousServerSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        ch.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return ch.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return ch.supportedOptions();
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        return ch.getLocalAddress();
    }

    @Override
    public boolean isOpen() {
        return ch.isOpen();
    }

    @Override
    public <A> void accept(A attachment, CompletionHandler<AsynchronousSocketChannel, ? super A> handler) {
        accept(AsyncOp.withHandler(group, attachment, handler));
    }

    @Override
    public Future<AsynchronousSocketChannel> accept() {
        AsyncOp<AsynchronousSocketChannel> op = AsyncOp.withFuture(group, this::cancelAccept, false, () -> { });
        accept(op);
        return op.future;
    }

    private void accept(AsyncOp<AsynchronousSocketChannel> op) {
        if (!isOpen()) {
            op.fail(new ClosedChannelException());
            return;
        }
        synchronized (lock) {
            try {
                if (ch.getLocalAddress() == null) {
                    throw new NotYetBoundException();
                }
            } catch (IOException e) {
                op.fail(e);
                return;
            }
            if (acceptOp != null) {
                throw new AcceptPendingException();
            }
            SocketChannel s;
            try {
                s = ch.accept();
            } catch (IOException e) {
                op.fail(e);
                return;
            }
            if (s != null) {
                completeWith(op, s);
                return;
            }
            acceptOp = op;
            group.interest(ch, this, SelectionKey.OP_ACCEPT);
        }
    }

    private void completeWith(AsyncOp<AsynchronousSocketChannel> op, SocketChannel s) {
        try {
            op.complete(new AsyncSocketChannel(provider, group, s));
        } catch (IOException | RuntimeException e) {
            op.fail(e); // the group was shut down meanwhile (ShutdownChannelGroupException): s is closed
        }
    }

    private void cancelAccept(AsyncOp<AsynchronousSocketChannel> op) {
        synchronized (lock) {
            if (acceptOp == op) {
                acceptOp = null;
                group.interest(ch, this, 0);
            }
        }
    }

    @Override
    public void onReady(SelectionKey key) {
        AsyncOp<AsynchronousSocketChannel> op;
        SocketChannel s;
        synchronized (lock) {
            op = acceptOp;
            if (op == null) {
                key.interestOps(0);
                return;
            }
            try {
                s = ch.accept();
            } catch (IOException e) {
                acceptOp = null;
                key.interestOps(0);
                op.fail(e);
                return;
            }
            if (s == null) {
                return; // taken meanwhile: keep waiting
            }
            acceptOp = null;
            key.interestOps(0);
        }
        completeWith(op, s);
    }

    @Override
    public void close() throws IOException {
        AsyncOp<AsynchronousSocketChannel> pending;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            pending = acceptOp;
            acceptOp = null;
        }
        try {
            ch.close();
        } finally {
            group.detach(this);
            if (pending != null) {
                pending.fail(new AsynchronousCloseException());
            }
        }
    }

    @Override
    public void forceClose() {
        try {
            close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + ch + "]";
    }
}
