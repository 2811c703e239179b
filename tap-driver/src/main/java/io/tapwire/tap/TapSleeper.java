package io.tapwire.tap;

import com.sun.jna.Native;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Where a TAP's driver thread sleeps: one {@code poll(2)} over the TAP descriptor, an eventfd that
 * {@link #wakeup} rings from any thread, and a timerfd that {@link #wakeAt} arms on CLOCK_MONOTONIC
 * (the clock of {@link System#nanoTime()} on Linux) — the interrupt half of NAPI's balance, with
 * the doorbell and the timer a sleeping NIC driver would have. The two descriptors are this
 * class's; the TAP descriptor is its device's. Allocates nothing per call.
 */
final class TapSleeper {
    private static final int POLLFD_SIZE = 8; // struct pollfd { int fd; short events; short revents; }
    private static final int TAP = 0;
    private static final int DOORBELL = POLLFD_SIZE;
    private static final int TIMER = 2 * POLLFD_SIZE;

    private final String name;
    private final int eventFd;
    private final int timerFd;
    private final ByteBuffer pollFds = scratch(3 * POLLFD_SIZE);
    private final long pollFdsAddress = LibC.address(pollFds);
    private final ByteBuffer drainBuffer = scratch(8);
    private final long drainAddress = LibC.address(drainBuffer);
    private final ByteBuffer one = scratch(8);
    private final long oneAddress = LibC.address(one);
    /** Set by the first wakeup() since the sleeper last drained the eventfd: later ones need not write. */
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    /** Guards the descriptors against close (no write to a reused number) and the timer's state. */
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;
    /** The deadline the timerfd is armed for, or Long.MAX_VALUE; guarded by {@code lock}. */
    private long timerArmedFor = Long.MAX_VALUE;
    private final ByteBuffer timerSpec = scratch(32); // struct itimerspec, guarded by lock
    private final long timerSpecAddress = LibC.address(timerSpec);

    /** @param name the TAP's name, for error messages */
    TapSleeper(String name, int tunFd) {
        this.name = name;
        // eventfd(2) is the doorbell for wakeup(): a counter that poll(2) reports readable while non-zero.
        this.eventFd = LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
        if (eventFd < 0) {
            int errno = Native.getLastError();
            throw new TapException("eventfd(2) failed: " + Errno.describe(errno)
                    + "; the process may be out of file descriptors (ulimit -n)", errno);
        }
        this.timerFd = LibC.timerfd_create(LibC.CLOCK_MONOTONIC, LibC.TFD_NONBLOCK | LibC.TFD_CLOEXEC);
        if (timerFd < 0) {
            int errno = Native.getLastError();
            LibC.close(eventFd);
            throw new TapException("timerfd_create(2) failed: " + Errno.describe(errno)
                    + "; the process may be out of file descriptors (ulimit -n)", errno);
        }
        pollFds.putInt(TAP, tunFd);
        pollFds.putInt(DOORBELL, eventFd);
        pollFds.putShort(DOORBELL + 4, LibC.POLLIN);
        pollFds.putInt(TIMER, timerFd);
        pollFds.putShort(TIMER + 4, LibC.POLLIN);
        one.putLong(0, 1L);
    }

    private static ByteBuffer scratch(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    /**
     * Sleeps until the TAP reports one of {@code tapEvents} (POLLIN, POLLOUT; 0 for neither), the
     * doorbell rings, the timer expires or {@code timeoutMillis} pass; on the driver thread only.
     * Returning early (a signal, a stale doorbell) is allowed: callers loop.
     */
    void await(int timeoutMillis, short tapEvents) {
        pollFds.putShort(TAP + 4, tapEvents);
        pollFds.putShort(TAP + 6, (short) 0);
        pollFds.putShort(DOORBELL + 6, (short) 0);
        pollFds.putShort(TIMER + 6, (short) 0);
        int rc = HotCalls.poll(pollFdsAddress, 3, timeoutMillis);
        if (rc < 0) {
            int errno = HotCalls.lastErrno();
            if (errno == Errno.EINTR) {
                return;
            }
            throw new TapException("poll(2) on " + name + " failed: " + Errno.describe(errno), errno);
        }
        if (rc > 0 && (pollFds.getShort(DOORBELL + 6) & LibC.POLLIN) != 0) {
            // Reset the eventfd counter first, then allow the next wakeup() to ring again. In that
            // order a wakeup() racing with us is either drained here or rings a fresh doorbell;
            // either way the caller runs the stack after we return, so no wakeup is lost.
            HotCalls.read(eventFd, drainAddress, 8);
            Reference.reachabilityFence(drainBuffer);
            wakeupPending.set(false);
        }
        if (rc > 0 && (pollFds.getShort(TIMER + 6) & LibC.POLLIN) != 0) {
            HotCalls.read(timerFd, drainAddress, 8); // the expiration count; reading disarms POLLIN
            Reference.reachabilityFence(drainBuffer);
        }
        // Awake: the caller runs the stack and computes its own next sleep, which covers every
        // deadline armed so far, so the next wakeAt may arm any time again.
        if (timerArmedFor != Long.MAX_VALUE) {
            lock.lock();
            try {
                timerArmedFor = Long.MAX_VALUE;
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Arms the timer for {@code deadlineNanos} unless it is already armed for an earlier time: one
     * timerfd_settime(2), and no wakeup of the driver before the deadline. Safe from any thread.
     */
    void wakeAt(long deadlineNanos) {
        lock.lock();
        try {
            if (closed || deadlineNanos >= timerArmedFor) {
                return;
            }
            long at = Math.max(deadlineNanos, 1); // an all-zero it_value would disarm the timer
            timerSpec.putLong(0, 0).putLong(8, 0); // it_interval: one shot
            timerSpec.putLong(16, at / 1_000_000_000L).putLong(24, at % 1_000_000_000L);
            if (LibC.timerfd_settime(timerFd, LibC.TFD_TIMER_ABSTIME, timerSpecAddress, 0) == 0) {
                timerArmedFor = deadlineNanos;
                return;
            }
        } finally {
            lock.unlock();
        }
        wakeup(); // the timer could not be armed: wake the driver now rather than late
    }

    /**
     * Ends a current or the next {@link #await} early. Safe from any thread; cheap when called
     * often, since only the first call after the driver last woke up writes to the eventfd.
     */
    void wakeup() {
        if (!wakeupPending.compareAndSet(false, true)) {
            return; // a doorbell is already ringing and the driver has not answered it yet
        }
        lock.lock();
        try {
            if (!closed) {
                HotCalls.write(eventFd, oneAddress, 8);
                Reference.reachabilityFence(one);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Closes the eventfd and the timerfd; idempotent. */
    void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            // Under the lock, so no wakeup() or wakeAt() can use a number after it is reused.
            LibC.close(eventFd);
            LibC.close(timerFd);
        } finally {
            lock.unlock();
        }
    }
}
