package io.tapwire.tap;

import io.tapwire.link.Descriptor;
import io.tapwire.link.DescriptorRing;
import io.tapwire.link.LinkOffloads;
import io.tapwire.link.RxPlacement;
import io.tapwire.link.NetDevice;
import io.tapwire.link.VirtioNetHeader;
import io.tapwire.link.VirtualDevice;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link NetDevice} backed by a Linux TAP file descriptor ({@code /dev/net/tun} with
 * {@code IFF_TAP | IFF_NO_PI}): every read returns one Ethernet frame the kernel sent out of the
 * TAP interface, every {@code write(2)} injects one frame as if it had arrived on it.
 *
 * <p>Frames go straight between the kernel and the descriptors' pooled direct buffers; the hot
 * path ({@link #doWork}, {@link #await}, {@link #wakeup}) allocates nothing. Its system calls go
 * through {@link HotCalls}: JNA on Java 17 to 21, Foreign Function and Memory API downcalls on
 * Java 22 and newer (the multi-release jar's other version of that class).
 *
 * <p>Threads: {@link #doWork} and {@link #await} belong to one driver thread (the RX-ring producer
 * and TX-ring consumer). {@link #wakeup} and {@link #wakeAt} may be called from any thread. {@link #close} must not
 * race {@code doWork}/{@code await}: call it after the driver loop has stopped.
 *
 * <pre>{@code
 * try (Netns ns = Netns.create();
 *      TapDevice tap = TapDevice.openInNetns(ns.name(), "tap0", 1500, 256)) {
 *     while (running) {
 *         tap.doWork(clock.nanos());
 *         long next = stack.poll(clock.nanos());
 *         tap.await(next - clock.nanos());
 *     }
 * }
 * }</pre>
 */
public final class TapDevice implements NetDevice {
    /** Most frames read per {@link #doWork}, so a flood cannot starve the stack or the TX side. */
    static final int RX_BUDGET = 64;
    /** A gap between frames longer than this ends a stream: see {@link #receive}. */
    static final long RX_QUIET_NANOS = 100_000;

    /** Frame buffers with offloads: the largest IPv4 datagram (a super-frame) plus its Ethernet header. */
    static final int SUPER_FRAME_CAPACITY = 65535 + 14 + 7 & ~7;
    /**
     * Whether TX frames may carry a payload outside their buffer, gathered by writev(2): on unless
     * the system property {@code tapwire.txGather} is {@code false} (to compare with the copying path).
     */
    static final boolean TX_GATHER = !"false".equals(System.getProperty("tapwire.txGather"));
    /**
     * Whether the header-data split is offered to TCP ({@link #placeReceived}): on unless the system
     * property {@code tapwire.rxPlacement} is {@code false} (to compare with the copying path).
     */
    static final boolean RX_PLACEMENT = !"false".equals(System.getProperty("tapwire.rxPlacement"));
    /**
     * What an offloading TAP declares: partial checksums completed and TCP super-segments cut by
     * the kernel, and payloads gathered from the stack's send rings ({@link #TX_GATHER}).
     */
    static final LinkOffloads TAP_OFFLOADS = new LinkOffloads(true, true, 65535, TX_GATHER);

    private static final int MAX_POLL_MILLIS = Integer.MAX_VALUE;

    private final String name;
    private final int mtu;
    private final int tunFd;
    private final DescriptorRing rx;
    private final DescriptorRing tx;
    private final long[] rxAddress;
    private final long[] txAddress;
    private final boolean offloads;

    // Native scratch memory for the RX iovecs, allocated once as direct buffers (native byte order,
    // read and written from Java without JNI).
    private final ByteBuffer rxIov = scratch(3 * LibC.IOVEC_SIZE);
    private final ByteBuffer rxVnet = scratch(VirtioNetHeader.LENGTH);
    private final ByteBuffer overflow = scratch(8);
    // Header-data split (RxPlacement): virtio-net header, headers, two ring ranges, the rest of the
    // descriptor, the overflow byte.
    private final ByteBuffer splitIov = scratch(6 * LibC.IOVEC_SIZE);
    private final long splitIovAddress = LibC.address(splitIov);
    private final DirectAddresses ringAddresses = new DirectAddresses();
    private RxPlacement placement;
    private long rxPlacedFrames;
    private final long rxIovAddress = LibC.address(rxIov);

    private final TapTransmitter transmitter;
    /** poll(2) over the TAP with the doorbell and the timer: where the driver thread sleeps. */
    private final TapSleeper sleeper;
    private final ReentrantLock closeLock = new ReentrantLock();
    private volatile boolean closed;
    private int queueIndex;

    // Written by the driver thread only; the volatile statsFence publishes them to stats().
    /** When the last frame was read: the first one after {@value #RX_QUIET_NANOS} ns of quiet is delivered alone. */
    private long lastRxNanos = Long.MIN_VALUE / 2;
    private long rxFrames;
    private long rxBytes;
    private long rxErrors;
    private long rxLengthErrors;
    private long rxOffloadErrors;
    private long rxSuperFrames;
    private volatile int statsFence;

    private TapDevice(TapOpener.Opened opened, int mtu, int ringSize, boolean offloads) {
        this.name = opened.name();
        this.mtu = mtu;
        this.tunFd = opened.fd();
        this.offloads = offloads;
        int capacity = offloads ? Math.max(SUPER_FRAME_CAPACITY, VirtualDevice.frameCapacityFor(mtu))
                : VirtualDevice.frameCapacityFor(mtu);
        this.rx = new DescriptorRing(DescriptorRing.Direction.RX, ringSize, capacity);
        this.tx = new DescriptorRing(DescriptorRing.Direction.TX, ringSize, capacity);
        this.rxAddress = addresses(rx);
        this.txAddress = addresses(tx);
        this.sleeper = new TapSleeper(opened.name(), opened.fd());
        try {
            this.transmitter = new TapTransmitter(opened.name(), opened.fd(), tx, txAddress, offloads);
        } catch (RuntimeException | Error e) {
            sleeper.close(); // the caller closes the TAP descriptor; the eventfd and timerfd are ours
            throw e;
        }
        // With offloads the virtio-net header comes first (its own iovec, so frames still start
        // at index 0 of their descriptor). The RX iovec after the frame is a one-byte overflow
        // slot: a frame longer than the descriptor spills into it, which is the only way to see
        // the truncation (see receive()).
        int frameIov = 0;
        if (offloads) {
            rxIov.putLong(0, LibC.address(rxVnet));
            rxIov.putLong(8, VirtioNetHeader.LENGTH);
            frameIov = LibC.IOVEC_SIZE;
        }
        rxIov.putLong(frameIov + LibC.IOVEC_SIZE, LibC.address(overflow));
        rxIov.putLong(frameIov + LibC.IOVEC_SIZE + 8, 1L);
    }

    /**
     * Opens TAP {@code name} in the calling thread's network namespace, creating it if it does not
     * exist (TUNSETIFF creates a non-persistent TAP that disappears on {@link #close}) or attaching
     * to an existing persistent one. The interface is left as it is: bringing it up and giving it
     * an address is the Linux side's job ({@code ip link set tap0 up}).
     *
     * @param name interface name, at most 15 bytes; {@code tap%d} lets the kernel pick a number
     * @param mtu IP MTU the RX and TX buffers are sized for; keep the TAP's own MTU (set on the
     *     Linux side, 1500 by default) no larger, or longer frames are dropped and counted in
     *     {@link TapStats#rxLengthErrors()}
     * @param ringSize descriptors per ring, a power of two
     * @throws TapException with what to do when the kernel refuses (no tun module, no CAP_NET_ADMIN, busy)
     */
    public static TapDevice open(String name, int mtu, int ringSize) {
        return open(name, mtu, ringSize, false);
    }

    /**
     * {@link #open(String, int, int)}, with offloads when {@code offloads} is true: the TAP is
     * opened with {@code IFF_VNET_HDR} and {@code TUNSETOFFLOAD} (checksum, TSO4, TSO6, TSO_ECN),
     * so the kernel hands over TCP super-frames of up to 64 KB with partial checksums, and the
     * stack may send such super-segments for the kernel to cut ({@link #offloads()}). The frame
     * buffers are then 64 KB each; {@code ethtool -k} on the TAP shows the offloads on.
     */
    public static TapDevice open(String name, int mtu, int ringSize, boolean offloads) {
        TapOpener.checkInterfaceName(name);
        checkSizes(mtu, ringSize);
        return withFd(TapOpener.openTap(name, offloads), mtu, ringSize, offloads);
    }

    /**
     * Like {@link #open}, but the TAP is created in (or attached from) network namespace
     * {@code netnsName}, as made by {@code ip netns add}. The calling thread's namespace never
     * changes: the switch happens on a short-lived thread of its own.
     *
     * @throws TapException also when the namespace does not exist
     */
    public static TapDevice openInNetns(String netnsName, String name, int mtu, int ringSize) {
        return openInNetns(netnsName, name, mtu, ringSize, false);
    }

    /** {@link #openInNetns(String, String, int, int)}, with offloads as {@link #open(String, int, int, boolean)} explains. */
    public static TapDevice openInNetns(String netnsName, String name, int mtu, int ringSize, boolean offloads) {
        TapOpener.checkNetnsName(netnsName);
        TapOpener.checkInterfaceName(name);
        checkSizes(mtu, ringSize);
        return withFd(TapOpener.openTapInNetns(netnsName, name, offloads), mtu, ringSize, offloads);
    }

    /**
     * Opens {@code queues} queues of one TAP, a {@code TapDevice} each: with more than one, every
     * file is attached with {@code IFF_MULTI_QUEUE} (drivers/net/tun.c {@code tun_attach()}), and
     * the kernel spreads the frames it sends over them by flow ({@code tun_automq_select_queue()}:
     * the queue a flow was last written from, else the flow hash scaled to the number of queues).
     * One queue opens exactly as {@link #open(String, int, int, boolean)} does. Offloads (the
     * virtio-net header size and TUNSETOFFLOAD) are set on each queue's file.
     *
     * @param netnsName the namespace to open in (as {@link #openInNetns}), or null for the calling thread's
     * @param name interface name; with {@code %d} the kernel picks it once and the other queues attach to it
     * @param queues how many queues, 1 to 256 (the kernel's MAX_TAP_QUEUES)
     * @return the queues in order; closing all of them deletes a TAP they created
     */
    public static java.util.List<TapDevice> openQueues(String netnsName, String name, int mtu, int ringSize, boolean offloads,
                                                       int queues) {
        if (queues < 1 || queues > MAX_QUEUES) {
            throw new IllegalArgumentException("queues must be 1.." + MAX_QUEUES + " (the kernel's MAX_TAP_QUEUES), got " + queues);
        }
        if (netnsName != null) {
            TapOpener.checkNetnsName(netnsName);
        }
        TapOpener.checkInterfaceName(name);
        checkSizes(mtu, ringSize);
        boolean multiQueue = queues > 1;
        java.util.List<TapDevice> opened = new java.util.ArrayList<>(queues);
        try {
            String actual = name;
            for (int q = 0; q < queues; q++) {
                TapOpener.Opened fd = netnsName == null ? TapOpener.openTap(actual, offloads, multiQueue)
                        : TapOpener.openTapInNetns(netnsName, actual, offloads, multiQueue);
                TapDevice device = withFd(fd, mtu, ringSize, offloads);
                device.queueIndex = q;
                opened.add(device);
                actual = fd.name(); // the remaining queues attach to the interface the first one made
            }
            return java.util.List.copyOf(opened);
        } catch (RuntimeException | Error e) {
            for (TapDevice d : opened) {
                d.close();
            }
            throw e;
        }
    }

    /** The most queues a TAP takes: MAX_TAP_QUEUES (256) in drivers/net/tun.c. */
    public static final int MAX_QUEUES = 256;

    /** Which queue of a multi-queue TAP this device is (0 for a single-queue TAP). */
    public int queueIndex() {
        return queueIndex;
    }

    private static TapDevice withFd(TapOpener.Opened opened, int mtu, int ringSize, boolean offloads) {
        TapDevice device;
        try {
            device = new TapDevice(opened, mtu, ringSize, offloads);
        } catch (RuntimeException | Error e) {
            LibC.close(opened.fd());
            throw e;
        }
        try {
            device.applyDefaultTransmitPath();
        } catch (RuntimeException | Error e) {
            device.close();
            throw e;
        }
        return device;
    }

    private static void checkSizes(int mtu, int ringSize) {
        if (mtu < 68 || mtu > 65535) {
            throw new IllegalArgumentException("MTU " + mtu + " outside 68..65535 (RFC 791 minimum to the IPv4 maximum)");
        }
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two >= 2, got " + ringSize);
        }
    }

    private static ByteBuffer scratch(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    private static long[] addresses(DescriptorRing ring) {
        long[] out = new long[ring.size()];
        for (int i = 0; i < out.length; i++) {
            Descriptor d = ring.at(i);
            out[d.index()] = LibC.address(d.buffer());
        }
        return out;
    }

    /**
     * How this JVM makes the device's per-frame system calls: {@code "jna"} (JNA direct mapping,
     * Java 17 to 21) or {@code "ffm"} (Foreign Function and Memory API downcalls, Java 22 and newer
     * with the multi-release jar).
     */
    public static String systemCalls() {
        return HotCalls.implementation();
    }

    /**
     * Chooses how frames leave: with {@code true}, batches of two or more READY frames go out
     * through an io_uring with one {@code io_uring_enter(2)} per batch (a single frame still takes
     * {@code write(2)}); with {@code false}, one {@code write(2)} / {@code writev(2)} per frame.
     * Call from the driver thread (or before it starts).
     *
     * @throws TapException when turning it on and the kernel refuses io_uring; the device keeps write(2)
     */
    public void transmitWithIoUring(boolean on) {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        transmitter.useIoUring(on);
    }

    /**
     * System property naming the transmit path a newly opened device starts with: {@code io_uring}
     * or {@code write} (default {@value #DEFAULT_TX_PATH}). {@code tapwire up --tap-tx} sets it.
     */
    public static final String TX_PATH_PROPERTY = "tapwire.tap.tx";
    /** The transmit path when {@link #TX_PATH_PROPERTY} is not set. */
    public static final String DEFAULT_TX_PATH = "io_uring";

    private String transmitPathNote = "";

    private void applyDefaultTransmitPath() {
        String path = System.getProperty(TX_PATH_PROPERTY, DEFAULT_TX_PATH);
        switch (path) {
            case "write":
                return;
            case "io_uring":
                try {
                    transmitWithIoUring(true);
                } catch (TapException e) {
                    // A kernel without io_uring (or with it disabled) still gets a working device.
                    transmitPathNote = "io_uring unavailable: " + e.getMessage();
                }
                return;
            default:
                throw new IllegalArgumentException(TX_PATH_PROPERTY + " must be io_uring or write, got '" + path + "'");
        }
    }

    /** Why the device does not use the transmit path {@link #TX_PATH_PROPERTY} asked for; empty when it does. */
    public String transmitPathNote() {
        return transmitPathNote;
    }

    /** {@code "io_uring"} when batches go out through io_uring ({@link #transmitWithIoUring}), else {@code "write"}. */
    public String transmitPath() {
        return transmitter.path();
    }

    /** io_uring TX batches submitted so far (each one {@code io_uring_enter(2)} for 2 or more frames). */
    public long txBatches() {
        int lastMoved = statsFence; // volatile read: see the counter as of the last doWork
        return transmitter.batches();
    }

    @Override public String name() { return name; }
    @Override public int mtu() { return mtu; }
    @Override public DescriptorRing rxRing() { return rx; }
    @Override public DescriptorRing txRing() { return tx; }

    /** Checksum and TCP segmentation offload when opened with offloads, else {@link LinkOffloads#NONE}. */
    @Override public LinkOffloads offloads() { return offloads ? TAP_OFFLOADS : LinkOffloads.NONE; }

    /** Whether the TAP was opened with offloads (IFF_VNET_HDR). */
    public boolean offloadsEnabled() { return offloads; }

    /**
     * Writes READY TX frames, then reads up to {@value #RX_BUDGET} frames into AVAILABLE RX
     * descriptors, each published with {@code nowNanos}. Never blocks.
     *
     * @return frames moved in either direction (failed writes included: they left the ring)
     * @throws TapException when the TAP has disappeared (deleted or its namespace removed)
     * @throws IllegalStateException after {@link #close}
     */
    @Override
    public int doWork(long nowNanos) {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        int moved = transmitter.transmit() + receive(nowNanos);
        statsFence = moved; // publishes the counters to stats() on other threads
        return moved;
    }

    private int receive(long nowNanos) {
        int received = 0;
        if (placement != null) {
            placement.prepare(rx.frameCapacity());
        }
        for (int budget = RX_BUDGET; budget > 0; budget--) {
            Descriptor slot = rx.claim();
            if (slot == null) {
                break; // RX ring full: the frames wait in the TAP's queue (txqueuelen) until the stack catches up
            }
            // readv(2) into the descriptor plus the overflow byte. The kernel copies what fits and
            // discards the rest of a longer frame (tun_put_user), returning only the bytes copied,
            // so a plain read(2) cannot tell a truncated frame from one that fits exactly.
            boolean split = placement != null && placement.armed();
            long n;
            if (split) {
                n = HotCalls.readv(tunFd, splitIovAddress, splitIovecs(slot));
            } else {
                int frameIov = offloads ? LibC.IOVEC_SIZE : 0;
                rxIov.putLong(frameIov, rxAddress[slot.index()]);
                rxIov.putLong(frameIov + 8, slot.capacity());
                n = HotCalls.readv(tunFd, rxIovAddress, offloads ? 3 : 2);
            }
            if (n < 0) {
                int errno = HotCalls.lastErrno();
                if (errno == Errno.EAGAIN) {
                    break; // queue empty (O_NONBLOCK)
                }
                if (errno == Errno.EINTR) {
                    continue;
                }
                if (errno == Errno.EBADFD) {
                    throw gone(errno);
                }
                rxErrors++; // tun_do_read() has already dequeued and freed the frame
                continue;
            }
            if (offloads) {
                n -= VirtioNetHeader.LENGTH;
                if (n < 0) {
                    rxLengthErrors++; // not even a whole virtio-net header: nothing to deliver
                    continue;
                }
            }
            if (n > slot.capacity()) {
                // Spilled into the overflow byte: the frame was longer than our buffers (the
                // TAP's MTU is larger than ours). Drop it rather than hand the stack a cut-off packet.
                rxLengthErrors++;
                continue;
            }
            if (n == 0) {
                continue;
            }
            if (offloads) {
                VirtioNetHeader.Error bad = VirtioNetHeader.decode(rxVnet, 0, (int) n, mtu, slot);
                if (bad != null) {
                    // Malformed or unexpected metadata: the frame cannot be trusted to mean what it says.
                    if (bad == VirtioNetHeader.Error.OVERSIZE) {
                        rxLengthErrors++;
                    } else {
                        rxOffloadErrors++;
                    }
                    continue;
                }
                if (slot.gsoType() != Descriptor.GSO_NONE) {
                    rxSuperFrames++;
                }
            }
            if (split && placement.accept(slot, (int) n)) {
                rxPlacedFrames++;
            }
            rx.publish(slot, (int) n, nowNanos);
            rxFrames++;
            rxBytes += n;
            received++;
            if (received == 1 && nowNanos - lastRxNanos > RX_QUIET_NANOS) {
                // The first frame after a quiet spell goes up at once: reading on to EAGAIN would
                // cost the lone frame (a ping, a request) one more read(2) before the stack sees
                // it. A stream keeps its batches (an ACK clock ticks well inside the spell).
                lastRxNanos = nowNanos;
                break;
            }
        }
        if (received > 0) {
            lastRxNanos = nowNanos;
        }
        return received;
    }

    /**
     * The iovecs of a split read into {@code slot} (virtio-net header first: placement needs
     * offloads): the headers, the ring's window in one or two pieces, the rest of the descriptor
     * after the window's size, the overflow byte. Returns their number.
     */
    private int splitIovecs(Descriptor slot) {
        long frame = rxAddress[slot.index()];
        int header = placement.headerLength();
        int room = placement.room();
        long ring = ringAddresses.of(placement.storage());
        splitIov.putLong(0, LibC.address(rxVnet));
        splitIov.putLong(8, VirtioNetHeader.LENGTH);
        splitIov.putLong(16, frame);
        splitIov.putLong(24, header);
        splitIov.putLong(32, ring + placement.index1());
        splitIov.putLong(40, placement.length1());
        splitIov.putLong(48, ring);
        splitIov.putLong(56, placement.length2());
        splitIov.putLong(64, frame + header + room);
        splitIov.putLong(72, slot.capacity() - header - room);
        splitIov.putLong(80, LibC.address(overflow));
        splitIov.putLong(88, 1L);
        return 6;
    }

    /**
     * Takes the header-data split when offloads are on (the kernel then vouches for checksums, and
     * descriptors hold a whole super-frame): see {@link RxPlacement}.
     */
    @Override
    public boolean placeReceived(RxPlacement placement) {
        if (!offloads || !RX_PLACEMENT) {
            return false;
        }
        this.placement = placement;
        return true;
    }

    /** Frames whose payload was read straight into a TCP receive ring ({@link RxPlacement}). */
    public long rxPlacedFrames() {
        int lastMoved = statsFence; // volatile read: see the counter as of the last doWork
        return rxPlacedFrames;
    }

    private TapException gone(int errno) {
        return gone(name, errno);
    }

    /** The TAP behind {@code name} vanished: deleted, or its namespace removed. */
    static TapException gone(String name, int errno) {
        return new TapException("TAP " + name + " no longer exists (" + Errno.describe(errno)
                + "): it was deleted (ip link del) or its network namespace was removed; close this device and open it again",
                errno);
    }

    /**
     * Sleeps in {@code poll(2)} until the TAP has a frame to read (only while the RX ring has room),
     * the TAP can take a write (only while TX frames are pending), {@link #wakeup} is called, or
     * {@code timeoutNanos} pass, rounded up to whole milliseconds. Returns at once when
     * {@code timeoutNanos <= 0}. Returning early (a signal, a stale wakeup) is allowed: callers loop.
     */
    @Override
    public void await(long timeoutNanos) {
        if (timeoutNanos <= 0) {
            return;
        }
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        long millis = timeoutNanos / 1_000_000 + (timeoutNanos % 1_000_000 == 0 ? 0 : 1);
        int timeoutMillis = (int) Math.min(millis, MAX_POLL_MILLIS);
        // Like NAPI masking the interrupt: with the RX ring full there is nowhere to put a frame,
        // so POLLIN would only make poll return at once, over and over.
        short events = 0;
        if (rx.available() > 0) {
            events |= LibC.POLLIN;
        }
        if (tx.pending() > 0) {
            events |= LibC.POLLOUT;
        }
        sleeper.await(timeoutMillis, events);
    }

    /**
     * Arms the timer polled in {@link #await} for {@code deadlineNanos} ({@link System#nanoTime()}
     * is CLOCK_MONOTONIC on Linux), unless it is already armed for an earlier time: one
     * timerfd_settime(2), and no wakeup of the driver before the deadline. Safe from any thread.
     */
    @Override
    public void wakeAt(long deadlineNanos) {
        sleeper.wakeAt(deadlineNanos);
    }

    /**
     * Ends a current or the next {@link #await} early. Safe from any thread; cheap when called
     * often, since only the first call after the driver last woke up writes to the eventfd.
     */
    @Override
    public void wakeup() {
        sleeper.wakeup();
    }

    /** A snapshot of the counters; safe from any thread (values may lag the last doWork). */
    public TapStats stats() {
        int lastMoved = statsFence; // volatile read: see the counters as of the last doWork
        TapTransmitter t = transmitter;
        return new TapStats(rxFrames, rxBytes, rxErrors, rxLengthErrors, t.frames(), t.bytes(), t.errors(),
                rxOffloadErrors, rxSuperFrames, t.superFrames(), t.gathered());
    }

    /**
     * Closes the TAP descriptor and the sleeper's eventfd and timerfd; idempotent. A TAP created by {@link #open} is not
     * persistent, so the kernel deletes the interface when the last descriptor closes.
     */
    @Override
    public void close() {
        closeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            closeLock.unlock();
        }
        sleeper.close();
        transmitter.close();
        LibC.close(tunFd);
    }

    @Override
    public String toString() {
        return "TapDevice[" + name + (queueIndex > 0 ? " queue " + queueIndex : "") + " mtu=" + mtu + " ring=" + rx.size() + (closed ? " closed" : "") + "]";
    }
}
