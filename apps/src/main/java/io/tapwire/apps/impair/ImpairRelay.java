package io.tapwire.apps.impair;

import io.tapwire.link.Descriptor;
import io.tapwire.link.DescriptorRing;
import io.tapwire.link.FaultPath;
import io.tapwire.link.LinkProfile;
import io.tapwire.link.NetDevice;
import io.tapwire.time.Clock;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A userspace wire between two devices (two TAPs, each in its own namespace) with the fault
 * injector's {@link FaultPath} in each direction: every frame one side's kernel sends comes out of
 * the other side's TAP after the same delay, loss, reordering, duplication, corruption and rate
 * limit that {@code tapwire up --impair} puts between Linux and tapwire. So a Linux ↔ Linux
 * baseline crosses the very same impairment code as Linux ↔ tapwire.
 *
 * <p>Threads: one per device, each the only one to call its device's {@code doWork}/{@code await}
 * (the driver-thread rule of {@code TapDevice}). A thread takes what its device received into the
 * path towards the other side and wakes the other thread; it delivers what is due on the path
 * towards its own side into its device's TX ring, and sleeps in {@code await} until its device has
 * a frame, the other thread wakes it, or the next frame on its incoming path is due (rounded up to
 * the millisecond by the TAP's {@code poll(2)}). Each path is guarded by a lock of its own: its
 * sender and its receiver run on different threads.
 */
public final class ImpairRelay implements AutoCloseable {
    private static final long MAX_SLEEP_NANOS = 100_000_000L;

    private final NetDevice a;
    private final NetDevice b;
    private final FaultPath aToB;
    private final FaultPath bToA;
    private final ReentrantLock aToBLock = new ReentrantLock();
    private final ReentrantLock bToALock = new ReentrantLock();
    private final Clock clock;
    private volatile boolean running;
    private Thread threadA;
    private Thread threadB;
    private volatile Throwable failure;

    /**
     * A relay between {@code a} and {@code b}: {@code aToB} impairs frames {@code a} received (its
     * kernel sent) on their way out of {@code b}, {@code bToA} the reverse; choices drawn from {@code seed}.
     */
    public ImpairRelay(NetDevice a, NetDevice b, LinkProfile aToB, LinkProfile bToA, long seed, Clock clock) {
        this.a = a;
        this.b = b;
        SplittableRandom root = new SplittableRandom(seed);
        this.aToB = new FaultPath(aToB, root.nextLong());
        this.bToA = new FaultPath(bToA, root.nextLong());
        this.clock = clock;
    }

    /** Starts both threads. */
    public synchronized ImpairRelay start() {
        if (running) {
            throw new IllegalStateException("relay already started");
        }
        running = true;
        threadA = thread(a, b, aToB, aToBLock, bToA, bToALock);
        threadB = thread(b, a, bToA, bToALock, aToB, aToBLock);
        threadA.start();
        threadB.start();
        return this;
    }

    private Thread thread(NetDevice own, NetDevice other, FaultPath out, ReentrantLock outLock,
                          FaultPath in, ReentrantLock inLock) {
        Thread t = new Thread(() -> loop(own, other, out, outLock, in, inLock), "tapwire-relay-" + own.name());
        t.setDaemon(true);
        return t;
    }

    private void loop(NetDevice own, NetDevice other, FaultPath out, ReentrantLock outLock,
                      FaultPath in, ReentrantLock inLock) {
        DescriptorRing rx = own.rxRing();
        DescriptorRing tx = own.txRing();
        FaultPath.Sink toOwn = (frame, length, at) -> put(tx, frame, length, at);
        try {
            while (running) {
                long now = clock.nanoTime();
                int moved = own.doWork(now);
                Descriptor d;
                int taken = 0;
                while ((d = rx.peek()) != null) {
                    outLock.lock();
                    try {
                        out.send(d.buffer(), 0, d.length(), now);
                    } finally {
                        outLock.unlock();
                    }
                    rx.consume(d);
                    taken++;
                }
                if (taken > 0) {
                    other.wakeup();
                }
                long next;
                inLock.lock();
                try {
                    moved += in.deliverDue(clock.nanoTime(), toOwn);
                    next = in.nextDeadline();
                } finally {
                    inLock.unlock();
                }
                if (moved + taken > 0) {
                    own.doWork(clock.nanoTime()); // send what was just delivered
                    continue;
                }
                long wait = Math.min(MAX_SLEEP_NANOS, next == Long.MAX_VALUE ? MAX_SLEEP_NANOS : next - clock.nanoTime());
                own.await(wait);
            }
        } catch (Throwable t) {
            failure = t;
            running = false;
            other.wakeup();
        }
    }

    private static boolean put(DescriptorRing tx, ByteBuffer frame, int length, long at) {
        tx.reclaim();
        Descriptor slot = tx.claim();
        if (slot == null || length > slot.capacity()) {
            return false;
        }
        slot.buffer().put(0, frame, 0, length);
        tx.publish(slot, length, at);
        return true;
    }

    /** Frames from {@code a}'s side to {@code b}'s; read its counters after {@link #close()}. */
    public FaultPath aToB() {
        return aToB;
    }

    /** Frames from {@code b}'s side to {@code a}'s. */
    public FaultPath bToA() {
        return bToA;
    }

    /** The error that stopped a relay thread, or null. */
    public Throwable failure() {
        return failure;
    }

    /** Whether both threads still run. */
    public boolean isRunning() {
        return running && threadA != null && threadA.isAlive() && threadB.isAlive();
    }

    /** Stops both threads and waits for them; does not close the devices. */
    @Override
    public synchronized void close() {
        running = false;
        a.wakeup();
        b.wakeup();
        join(threadA);
        join(threadB);
    }

    private static void join(Thread t) {
        if (t == null) {
            return;
        }
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Both directions' profiles and what they did. */
    public String describe(String aName, String bName) {
        return aName + " -> " + bName + ": " + ImpairSpec.format(aToB.profile()) + "\n  " + ImpairOptions.counts(aToB) + "\n"
                + bName + " -> " + aName + ": " + ImpairSpec.format(bToA.profile()) + "\n  " + ImpairOptions.counts(bToA) + "\n";
    }
}
