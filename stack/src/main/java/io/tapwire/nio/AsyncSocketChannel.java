package io.tapwire.nio;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.InterruptedByTimeoutException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.ReadPendingException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritePendingException;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * An {@link AsynchronousSocketChannel} over a non-blocking {@link SocketChannel} of the group's
 * {@code SelectorProvider}: an operation first tries the I/O on the caller's thread, as the JDK's
 * Linux provider does, and otherwise waits for the event thread to find the channel ready. At
 * most one read and one write are pending; a read or write that timed out or was cancelled leaves
 * that direction unusable ({@link IllegalStateException}), as the JDK's does; a failed or
 * cancelled connect closes the channel.
 */
final class AsyncSocketChannel extends AsynchronousSocketChannel implements AsyncGroup.AsyncChannel {
    private final AsyncGroup group;
    private final SocketChannel ch;
    private final Object lock = new Object();
    private AsyncOp<Void> connectOp;
    private AsyncOp<Object> readOp;
    private AsyncOp<Object> writeOp;
    private boolean readKilled;
    private boolean writeKilled;
    private boolean closed;

    AsyncSocketChannel(TapwireAsynchronousChannelProvider provider, AsyncGroup group) throws IOException {
        this(provider, group, group.selectorProvider().openSocketChannel());
    }

    /** An accepted (connected) channel. */
    AsyncSocketChannel(TapwireAsynchronousChannelProvider provider, AsyncGroup group, SocketChannel ch) throws IOException {
        super(provider);
        this.group = group;
        this.ch = ch;
        try {
            ch.configureBlocking(false);
            group.attach(this);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------ plain delegation

    @Override
    public AsynchronousSocketChannel bind(SocketAddress local) throws IOException {
        ch.bind(local);
        return this;
    }

    @Override
    public <T> AsynchronousSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
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
    public AsynchronousSocketChannel shutdownInput() throws IOException {
        ch.shutdownInput();
        return this;
    }

    @Override
    public AsynchronousSocketChannel shutdownOutput() throws IOException {
        ch.shutdownOutput();
        return this;
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        return ch.getRemoteAddress();
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        return ch.getLocalAddress();
    }

    @Override
    public boolean isOpen() {
        return ch.isOpen();
    }

    // ------------------------------------------------------------------ connect

    @Override
    public <A> void connect(SocketAddress remote, A attachment, CompletionHandler<Void, ? super A> handler) {
        connect(remote, AsyncOp.withHandler(group, attachment, handler));
    }

    @Override
    public Future<Void> connect(SocketAddress remote) {
        AsyncOp<Void> op = AsyncOp.withFuture(group, this::cancelConnect, true, this::closeQuietly);
        connect(remote, op);
        return op.future;
    }

    private void connect(SocketAddress remote, AsyncOp<Void> op) {
        if (!isOpen()) {
            op.fail(new ClosedChannelException());
            return;
        }
        synchronized (lock) {
            if (ch.isConnected()) {
                throw new AlreadyConnectedException();
            }
            if (connectOp != null || ch.isConnectionPending()) {
                throw new ConnectionPendingException();
            }
            try {
                if (ch.connect(remote)) {
                    op.complete(null);
                    return;
                }
            } catch (IOException e) {
                closeQuietly();
                op.fail(e);
                return;
            }
            connectOp = op;
            group.interest(ch, this, interestLocked());
        }
    }

    private void cancelConnect(AsyncOp<Void> op) {
        synchronized (lock) {
            if (connectOp != op) {
                return;
            }
            connectOp = null;
        }
        closeQuietly(); // the JDK closes a channel whose connect is cancelled
    }

    // ------------------------------------------------------------------ read and write

    @Override
    public <A> void read(ByteBuffer dst, long timeout, TimeUnit unit, A attachment, CompletionHandler<Integer, ? super A> handler) {
        AsyncOp<Integer> op = AsyncOp.withHandler(group, attachment, handler);
        start(true, new ByteBuffer[] {dst}, 0, 1, false, timeout, unit, op);
    }

    @Override
    public Future<Integer> read(ByteBuffer dst) {
        AsyncOp<Integer> op = AsyncOp.withFuture(group, o -> cancelIo(true, o), true, this::closeQuietly);
        start(true, new ByteBuffer[] {dst}, 0, 1, false, 0, TimeUnit.MILLISECONDS, op);
        return op.future;
    }

    @Override
    public <A> void read(ByteBuffer[] dsts, int offset, int length, long timeout, TimeUnit unit, A attachment,
            CompletionHandler<Long, ? super A> handler) {
        java.util.Objects.checkFromIndexSize(offset, length, dsts.length);
        AsyncOp<Long> op = AsyncOp.withHandler(group, attachment, handler);
        start(true, dsts, offset, length, true, timeout, unit, op);
    }

    @Override
    public <A> void write(ByteBuffer src, long timeout, TimeUnit unit, A attachment, CompletionHandler<Integer, ? super A> handler) {
        AsyncOp<Integer> op = AsyncOp.withHandler(group, attachment, handler);
        start(false, new ByteBuffer[] {src}, 0, 1, false, timeout, unit, op);
    }

    @Override
    public Future<Integer> write(ByteBuffer src) {
        AsyncOp<Integer> op = AsyncOp.withFuture(group, o -> cancelIo(false, o), true, this::closeQuietly);
        start(false, new ByteBuffer[] {src}, 0, 1, false, 0, TimeUnit.MILLISECONDS, op);
        return op.future;
    }

    @Override
    public <A> void write(ByteBuffer[] srcs, int offset, int length, long timeout, TimeUnit unit, A attachment,
            CompletionHandler<Long, ? super A> handler) {
        java.util.Objects.checkFromIndexSize(offset, length, srcs.length);
        AsyncOp<Long> op = AsyncOp.withHandler(group, attachment, handler);
        start(false, srcs, offset, length, true, timeout, unit, op);
    }

    @SuppressWarnings("unchecked")
    private void start(boolean read, ByteBuffer[] bufs, int offset, int length, boolean vectored, long timeout, TimeUnit unit,
            AsyncOp<?> typed) {
        AsyncOp<Object> op = (AsyncOp<Object>) typed;
        long remaining = 0;
        for (int i = offset; i < offset + length; i++) {
            if (read && bufs[i].isReadOnly()) {
                throw new IllegalArgumentException("Read-only buffer");
            }
            remaining += bufs[i].remaining();
        }
        if (!isOpen()) {
            op.fail(new ClosedChannelException());
            return;
        }
        if (!ch.isConnected()) {
            throw new NotYetConnectedException();
        }
        synchronized (lock) {
            if (read ? readKilled : writeKilled) {
                throw new IllegalStateException((read ? "Reading" : "Writing") + " not allowed due to timeout or cancellation");
            }
            if (read ? readOp != null : writeOp != null) {
                throw read ? new ReadPendingException() : new WritePendingException();
            }
            op.buffers = bufs;
            op.offset = offset;
            op.length = length;
            op.vectored = vectored;
            if (remaining == 0) {
                op.complete(vectored ? (Object) 0L : (Object) 0); // nothing to move: done at once
                return;
            }
            long n;
            try {
                n = transfer(read, op);
            } catch (IOException e) {
                op.fail(e);
                return;
            }
            if (n != 0) {
                op.complete(result(op, n));
                return;
            }
            if (read) {
                readOp = op;
            } else {
                writeOp = op;
            }
            if (timeout > 0) {
                op.timer = group.schedule(() -> timedOut(read, op), timeout, unit);
            }
            group.interest(ch, this, interestLocked());
        }
    }

    private long transfer(boolean read, AsyncOp<Object> op) throws IOException {
        if (op.vectored) {
            return read ? ch.read(op.buffers, op.offset, op.length) : ch.write(op.buffers, op.offset, op.length);
        }
        return read ? ch.read(op.buffers[op.offset]) : ch.write(op.buffers[op.offset]);
    }

    private static Object result(AsyncOp<Object> op, long n) {
        return op.vectored ? (Object) n : (Object) (int) n;
    }

    private void timedOut(boolean read, AsyncOp<Object> op) {
        if (abandon(read, op)) {
            op.fail(new InterruptedByTimeoutException());
        }
    }

    private void cancelIo(boolean read, AsyncOp<?> op) {
        if (abandon(read, op) && op.timer != null) {
            op.timer.cancel(false);
        }
    }

    /**
     * Takes {@code op} off the channel if it is still the pending read (write) and leaves that
     * direction unusable, as the JDK does after a timeout or a cancellation; false if it ended first.
     */
    private boolean abandon(boolean read, AsyncOp<?> op) {
        synchronized (lock) {
            if (read ? readOp != op : writeOp != op) {
                return false;
            }
            if (read) {
                readOp = null;
                readKilled = true;
            } else {
                writeOp = null;
                writeKilled = true;
            }
            group.interest(ch, this, interestLocked());
            return true;
        }
    }

    private int interestLocked() {
        return (connectOp != null ? SelectionKey.OP_CONNECT : 0) | (readOp != null ? SelectionKey.OP_READ : 0)
                | (writeOp != null ? SelectionKey.OP_WRITE : 0);
    }

    // ------------------------------------------------------------------ the event thread

    @Override
    public void onReady(SelectionKey key) {
        AsyncOp<Void> connected = null;
        AsyncOp<Void> connectFailed = null;
        IOException connectError = null;
        Outcome read = null;
        Outcome write = null;
        int ready = key.readyOps();
        synchronized (lock) {
            if (connectOp != null && (ready & SelectionKey.OP_CONNECT) != 0) {
                try {
                    if (ch.finishConnect()) {
                        connected = connectOp;
                        connectOp = null;
                    }
                } catch (IOException e) {
                    connectFailed = connectOp;
                    connectOp = null;
                    connectError = e;
                }
            }
            if (readOp != null && (ready & SelectionKey.OP_READ) != 0) {
                read = transferReady(true);
            }
            if (writeOp != null && (ready & SelectionKey.OP_WRITE) != 0) {
                write = transferReady(false);
            }
            if (key.isValid()) {
                key.interestOps(interestLocked());
            }
        }
        if (connected != null) {
            connected.complete(null);
        }
        if (connectFailed != null) {
            closeQuietly(); // a failed connect closes the channel, as the JDK's does
            connectFailed.fail(connectError);
        }
        finish(read);
        finish(write);
    }

    /** How a ready read or write ended: the operation and its result or failure. */
    private record Outcome(AsyncOp<Object> op, Object result, IOException error) {
    }

    /** Under the lock: moves what the ready direction allows; the outcome if its operation is over. */
    private Outcome transferReady(boolean read) {
        AsyncOp<Object> op = read ? readOp : writeOp;
        Outcome done;
        try {
            long n = transfer(read, op);
            if (n == 0) {
                return null;
            }
            done = new Outcome(op, result(op, n), null);
        } catch (IOException e) {
            done = new Outcome(op, null, e);
        }
        if (read) {
            readOp = null;
        } else {
            writeOp = null;
        }
        return done;
    }

    private static void finish(Outcome o) {
        if (o == null) {
            return;
        }
        if (o.error != null) {
            o.op.fail(o.error);
        } else {
            o.op.complete(o.result);
        }
    }

    // ------------------------------------------------------------------ close

    @Override
    public void close() throws IOException {
        AsyncOp<?>[] pending;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            pending = new AsyncOp<?>[] {connectOp, readOp, writeOp};
            connectOp = null;
            readOp = null;
            writeOp = null;
        }
        try {
            ch.close();
        } finally {
            group.detach(this);
            for (AsyncOp<?> op : pending) {
                if (op != null) {
                    op.fail(new AsynchronousCloseException());
                }
            }
        }
    }

    @Override
    public void forceClose() {
        closeQuietly();
    }

    private void closeQuietly() {
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
