package io.tapwire.socket;

import io.tapwire.net.Icmp;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An ICMP echo ("ping") socket, like Linux's {@code SOCK_DGRAM}/{@code IPPROTO_ICMP} sockets: it
 * owns one echo identifier, sends requests and receives the matching replies.
 */
public final class PingSocket implements AutoCloseable {
    /** One echo reply: who answered, which sequence number, how many data bytes, and when. */
    public record Reply(int srcAddress, int sequence, int dataLength, long receivedNanos) {}

    private final Icmp icmp;
    private final Runnable wakeStack;
    private final java.util.function.Consumer<Runnable> runOnStack;
    private final int ident;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final ArrayDeque<Reply> replies = new ArrayDeque<>();
    private final Icmp.EchoListener listener;

    /**
     * Created by {@code Stack.openPing()}.
     *
     * @param runOnStack runs a task on the stack thread (sending touches protocol state)
     */
    public PingSocket(Icmp icmp, int ident, java.util.function.Consumer<Runnable> runOnStack, Runnable wakeStack) {
        this.icmp = icmp;
        this.ident = ident;
        this.runOnStack = runOnStack;
        this.wakeStack = wakeStack;
        this.listener = (src, seq, buf, off, len, now) -> {
            lock.lock();
            try {
                if (replies.size() < 1024) {
                    replies.add(new Reply(src, seq, len, now));
                }
                arrived.signalAll();
            } finally {
                lock.unlock();
            }
        };
        if (!icmp.registerEcho(ident, listener)) {
            throw new IllegalStateException("echo identifier " + ident + " is already used by another ping socket");
        }
    }

    public int ident() {
        return ident;
    }

    /** Queues an echo request with {@code dataLength} bytes of pattern data (as ping fills it). */
    public void send(int dst, int sequence, int dataLength) {
        if (dataLength < 0 || dataLength > 65507) {
            throw new IllegalArgumentException("ping data must be 0..65507 bytes, got " + dataLength);
        }
        ByteBuffer data = ByteBuffer.allocate(dataLength);
        for (int i = 0; i < dataLength; i++) {
            data.put(i, (byte) i);
        }
        runOnStack.accept(() -> icmp.sendEchoRequest(dst, ident, sequence, data, 0, dataLength));
        wakeStack.run();
    }

    /** Takes the next reply, waiting up to {@code timeout}; null on timeout (0: do not wait). */
    public Reply receive(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (replies.isEmpty()) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = arrived.awaitNanos(nanos);
            }
            return replies.poll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        icmp.unregisterEcho(ident, listener);
    }
}
