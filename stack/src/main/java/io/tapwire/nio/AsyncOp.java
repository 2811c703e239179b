package io.tapwire.nio;

import java.nio.ByteBuffer;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;

/**
 * One pending operation of an asynchronous channel: its completion handler and attachment, or
 * the {@link java.util.concurrent.Future} handed to the caller, the buffers of a read or write,
 * and its timeout's timer.
 */
final class AsyncOp<V> {
    private final AsyncGroup group;
    private final CompletionHandler<V, Object> handler;
    private final Object attachment;
    final Pending<V> future;
    ByteBuffer[] buffers;
    int offset;
    int length;
    /** A scatter/gather operation (its result is a long). */
    boolean vectored;
    ScheduledFuture<?> timer;

    @SuppressWarnings("unchecked")
    private AsyncOp(AsyncGroup group, CompletionHandler<V, ?> handler, Object attachment, Pending<V> future) {
        this.group = group;
        this.handler = (CompletionHandler<V, Object>) handler;
        this.attachment = attachment;
        this.future = future;
    }

    /** An operation that ends in {@code handler}, which must not be null. */
    static <V, A> AsyncOp<V> withHandler(AsyncGroup group, A attachment, CompletionHandler<V, ? super A> handler) {
        if (handler == null) {
            throw new NullPointerException("'handler' is null");
        }
        return new AsyncOp<>(group, handler, attachment, null);
    }

    /** An operation whose outcome is a future; {@code onCancel} runs when the caller cancels it. */
    static <V> AsyncOp<V> withFuture(AsyncGroup group, Consumer<AsyncOp<V>> onCancel, boolean closeOnInterrupt, Runnable close) {
        Pending<V> f = new Pending<>();
        AsyncOp<V> op = new AsyncOp<>(group, null, null, f);
        f.onCancel = mayInterrupt -> {
            onCancel.accept(op);
            if (mayInterrupt && closeOnInterrupt) {
                close.run();
            }
        };
        return op;
    }

    void complete(V value) {
        if (timer != null) {
            timer.cancel(false);
        }
        if (future != null) {
            future.complete(value);
        } else {
            group.dispatch(() -> handler.completed(value, attachment));
        }
    }

    void fail(Throwable failure) {
        if (timer != null) {
            timer.cancel(false);
        }
        if (future != null) {
            future.completeExceptionally(failure);
        } else {
            group.dispatch(() -> handler.failed(failure, attachment));
        }
    }

    /** The future of a future-style operation: cancelling it tells the channel first. */
    static final class Pending<V> extends CompletableFuture<V> {
        java.util.function.Consumer<Boolean> onCancel;

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (isDone()) {
                return false;
            }
            if (onCancel != null) {
                onCancel.accept(mayInterruptIfRunning);
            }
            return super.cancel(mayInterruptIfRunning);
        }
    }
}
