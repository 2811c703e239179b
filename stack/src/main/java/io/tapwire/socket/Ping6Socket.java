package io.tapwire.socket;

import io.tapwire.net.Icmpv6;
import io.tapwire.wire.Ipv6Address;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * An ICMPv6 echo ("ping -6") socket, like Linux's {@code SOCK_DGRAM}/{@code IPPROTO_ICMPV6}
 * sockets: it owns one echo identifier, sends echo requests (RFC 4443 section 4.1) from the source
 * address that fits the destination, and receives the matching replies. The IPv6 twin of
 * {@link PingSocket}.
 */
public final class Ping6Socket implements AutoCloseable {
    /** One echo reply: who answered, which sequence number, how many data bytes, and when. */
    public record Reply(Ipv6Address source, int sequence, int dataLength, long receivedNanos) {}

    /** Largest echo data: the largest IPv6 payload (65,535) less the ICMPv6 header. */
    public static final int MAX_DATA = 65_535 - 8;
    /** Replies kept for the application before new ones are dropped (a socket receive queue). */
    private static final int QUEUE_LIMIT = 1024;

    private final Icmpv6 icmp;
    private final Runnable wakeStack;
    private final Consumer<Runnable> runOnStack;
    private final int ident;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final ArrayDeque<Reply> replies = new ArrayDeque<>();
    private final Icmpv6.EchoListener listener;

    /**
     * Created by {@code Stack.openPing6()}.
     *
     * @param runOnStack runs a task on the stack thread (sending touches protocol state)
     */
    public Ping6Socket(Icmpv6 icmp, int ident, Consumer<Runnable> runOnStack, Runnable wakeStack) {
        this.icmp = icmp;
        this.ident = ident;
        this.runOnStack = runOnStack;
        this.wakeStack = wakeStack;
        this.listener = (srcHi, srcLo, seq, buf, off, len, now) -> {
            lock.lock();
            try {
                if (replies.size() < QUEUE_LIMIT) {
                    replies.add(new Reply(new Ipv6Address(srcHi, srcLo), seq, len, now));
                }
                arrived.signalAll();
            } finally {
                lock.unlock();
            }
        };
        if (!icmp.registerEcho(ident, listener)) {
            throw new IllegalStateException("ICMPv6 echo identifier " + ident + " is already used by another ping socket");
        }
    }

    public int ident() {
        return ident;
    }

    /** Queues an echo request to {@code dst} with {@code dataLength} bytes of pattern data (as ping fills it). */
    public void send(Ipv6Address dst, int sequence, int dataLength) {
        if (dataLength < 0 || dataLength > MAX_DATA) {
            throw new IllegalArgumentException("ping data must be 0.." + MAX_DATA + " bytes, got " + dataLength);
        }
        ByteBuffer data = ByteBuffer.allocate(dataLength);
        for (int i = 0; i < dataLength; i++) {
            data.put(i, (byte) i);
        }
        runOnStack.accept(() -> icmp.sendEchoRequest(dst.hi(), dst.lo(), ident, sequence, data, 0, dataLength));
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
