package io.tapwire.tap;

import io.tapwire.link.Descriptor;
import io.tapwire.link.DescriptorRing;
import io.tapwire.link.VirtioNetHeader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The transmit side of a {@link TapDevice}: takes READY frames from its TX ring and writes them to
 * the TAP, one {@code write(2)} (or {@code writev(2)} with the virtio-net header) per frame, or,
 * with io_uring on ({@link #useIoUring}), batches of two or more frames through a {@link TxUring}
 * with one {@code io_uring_enter(2)} each. A frame whose payload lies outside its buffer
 * ({@link Descriptor#external()}, a TCP send ring) is gathered: its ranges follow the frame's
 * buffer as further iovecs, and the kernel copies them straight from the ring. Counts what it
 * wrote. Driver thread only, as {@link TapDevice#doWork}; the counters are published by the
 * device's stats fence.
 */
final class TapTransmitter {
    /**
     * Fewest READY frames that go out as an io_uring batch. Two already cost less than two
     * write(2)s (scripts/bench-tap-uring.sh: 1.9-2.1 us per frame against 2.6-2.7); bulk TCP in
     * (mostly two-ACK batches) measured the same with a minimum of 4 (medians 1.32 s and 1.34 s per GiB, 7 runs).
     */
    static final int TX_BATCH_MIN = 2;

    // A virtio-net header and up to four iovecs (header, frame buffer, two external ranges) per
    // in-flight frame of a batch.
    private static final int BATCH_VNET_STRIDE = 16;
    private static final int IOVS_PER_FRAME = 4;

    private final String name;
    private final int tunFd;
    private final DescriptorRing tx;
    private final long[] txAddress;
    private final boolean offloads;

    // Native scratch memory, allocated once (see TapDevice): the single-frame iovecs and header,
    // and the batch's headers, iovecs and results.
    private final ByteBuffer txIov = scratch(IOVS_PER_FRAME * LibC.IOVEC_SIZE);
    private final ByteBuffer txVnet = scratch(VirtioNetHeader.LENGTH);
    private final ByteBuffer batchVnet = scratch(TxUring.ENTRIES * BATCH_VNET_STRIDE);
    private final ByteBuffer batchIov = scratch(TxUring.ENTRIES * IOVS_PER_FRAME * LibC.IOVEC_SIZE);
    private final DirectAddresses addresses = new DirectAddresses();
    private final long txIovAddress = LibC.address(txIov);
    private final long batchIovAddress = LibC.address(batchIov);
    private final int[] batchResults = new int[TxUring.ENTRIES];
    private TxUring txUring;

    private long txFrames;
    private long txBytes;
    private long txErrors;
    private long txSuperFrames;
    private long txBatches;
    private long txGathered;

    TapTransmitter(String name, int tunFd, DescriptorRing tx, long[] txAddress, boolean offloads) {
        this.name = name;
        this.tunFd = tunFd;
        this.tx = tx;
        this.txAddress = txAddress;
        this.offloads = offloads;
        if (offloads) {
            // The virtio-net header first, in its own iovec, so frames still start at index 0 of their descriptor.
            txIov.putLong(0, LibC.address(txVnet));
            txIov.putLong(8, VirtioNetHeader.LENGTH);
        }
        long batchVnetAddress = LibC.address(batchVnet);
        for (int i = 0; i < TxUring.ENTRIES; i++) {
            batchIov.putLong(i * IOVS_PER_FRAME * LibC.IOVEC_SIZE, batchVnetAddress + (long) i * BATCH_VNET_STRIDE);
            batchIov.putLong(i * IOVS_PER_FRAME * LibC.IOVEC_SIZE + 8, VirtioNetHeader.LENGTH);
        }
    }

    private static ByteBuffer scratch(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    /**
     * Batches through io_uring from now on ({@code true}) or one system call per frame.
     *
     * @throws TapException when turning it on and the kernel refuses io_uring; write(2) stays
     */
    void useIoUring(boolean on) {
        if (on == (txUring != null)) {
            return;
        }
        if (on) {
            txUring = TxUring.open(tunFd);
        } else {
            txUring.close();
            txUring = null;
        }
    }

    /** {@code "io_uring"} or {@code "write"}. */
    String path() {
        return txUring != null ? "io_uring" : "write";
    }

    long frames() { return txFrames; }
    long bytes() { return txBytes; }
    long errors() { return txErrors; }
    long superFrames() { return txSuperFrames; }
    long batches() { return txBatches; }
    /** Frames written with a payload gathered from outside their buffer. */
    long gathered() { return txGathered; }

    /**
     * Writes READY frames until none is left or the kernel pushes back (EAGAIN); returns how
     * many left the ring (failed writes included).
     */
    int transmit() {
        int sent = 0;
        while (true) {
            int pending = tx.pending();
            if (pending == 0) {
                return sent;
            }
            // io_uring pays off from two frames on: one io_uring_enter(2) for the batch instead
            // of a write(2) each. A lone frame (an ACK, a ping reply) takes the plain call.
            int batch = txUring == null || pending < TX_BATCH_MIN ? 1 : Math.min(pending, TxUring.ENTRIES);
            int done = batch >= 2 ? transmitBatch(batch) : transmitOne();
            sent += done;
            if (done < batch) {
                // Backpressure: the frame stays READY and goes out on a later doWork
                // (await asks poll for POLLOUT while TX frames are pending).
                return sent;
            }
        }
    }

    /** One frame with one write(2) / writev(2); returns 1 when it left the ring, 0 on EAGAIN. */
    private int transmitOne() {
        Descriptor d = tx.peek();
        while (true) {
            long n;
            if (offloads) {
                // One writev(2): the virtio-net header describing the frame, then the frame.
                encodeHeader(d, txVnet, 0);
                int iovs = 1 + frameIovecs(d, txIov, LibC.IOVEC_SIZE);
                n = HotCalls.writev(tunFd, txIovAddress, iovs);
            } else if (d.external() != null) {
                n = HotCalls.writev(tunFd, txIovAddress, frameIovecs(d, txIov, 0));
            } else {
                n = HotCalls.write(tunFd, txAddress[d.index()], d.length());
            }
            int errno = n < 0 ? HotCalls.lastErrno() : 0;
            if (errno == Errno.EINTR) {
                continue;
            }
            if (errno == Errno.EAGAIN) {
                return 0;
            }
            account(d, n < 0 ? -errno : n);
            tx.consume(d);
            return 1;
        }
    }

    /**
     * {@code count} frames (2 up to {@link TxUring#ENTRIES}) with one {@code io_uring_enter(2)}.
     * Each keeps its own iovecs and virtio-net header, since all are in flight at once. Returns how
     * many left the ring: fewer than {@code count} when a write met EAGAIN and none after it went
     * through, so the rest wait as with write(2); a frame refused with EAGAIN while later ones were
     * taken cannot be retried in order and is dropped and counted (tun's send buffer is unlimited
     * unless TUNSETSNDBUF lowered it, so this is not expected).
     */
    private int transmitBatch(int count) {
        long first = tx.consumerPosition();
        for (int i = 0; i < count; i++) {
            Descriptor d = tx.at(first + i);
            int iov = i * IOVS_PER_FRAME * LibC.IOVEC_SIZE;
            if (offloads) {
                encodeHeader(d, batchVnet, i * BATCH_VNET_STRIDE);
                int iovs = 1 + frameIovecs(d, batchIov, iov + LibC.IOVEC_SIZE);
                txUring.queueWritev(i, batchIovAddress + iov, iovs);
            } else if (d.external() != null) {
                txUring.queueWritev(i, batchIovAddress + iov, frameIovecs(d, batchIov, iov));
            } else {
                txUring.queueWrite(i, txAddress[d.index()], d.length());
            }
        }
        txUring.submitAndWait(count, batchResults);
        txBatches++;
        int leaving = framesLeaving(batchResults, count);
        for (int i = 0; i < leaving; i++) {
            Descriptor d = tx.peek();
            account(d, batchResults[i]);
            tx.consume(d);
        }
        return leaving;
    }

    /**
     * How many frames of a batch leave the ring, given each write's result ({@code -errno} on
     * failure): all of them, except that a tail of EAGAIN results after the last frame the kernel
     * took stays for a later try.
     */
    static int framesLeaving(int[] results, int count) {
        int leaving = count;
        while (leaving > 0 && results[leaving - 1] == -Errno.EAGAIN) {
            leaving--;
        }
        return leaving;
    }

    /**
     * Writes the iovecs of {@code d}'s frame at {@code at} in {@code iovs}: its buffer's bytes, then
     * any external payload ranges. Returns how many iovecs (1 to 3).
     */
    private int frameIovecs(Descriptor d, ByteBuffer iovs, int at) {
        iovs.putLong(at, txAddress[d.index()]);
        iovs.putLong(at + 8, d.inlineLength());
        ByteBuffer external = d.external();
        if (external == null) {
            return 1;
        }
        long base = addresses.of(external);
        iovs.putLong(at + LibC.IOVEC_SIZE, base + d.externalOffset());
        iovs.putLong(at + LibC.IOVEC_SIZE + 8, d.externalLength());
        if (d.externalLength2() == 0) {
            return 2;
        }
        iovs.putLong(at + 2 * LibC.IOVEC_SIZE, base + d.externalOffset2());
        iovs.putLong(at + 2 * LibC.IOVEC_SIZE + 8, d.externalLength2());
        return 3;
    }

    private void encodeHeader(Descriptor d, ByteBuffer into, int at) {
        boolean superFrame = d.gsoType() != Descriptor.GSO_NONE;
        VirtioNetHeader.encode(d, superFrame ? VirtioNetHeader.superFrameHeaderLength(d) : 0, into, at);
    }

    /** Counts one written frame: {@code result} as write(2) returns it (header included), or -errno. */
    private void account(Descriptor d, long result) {
        if (result < 0) {
            int errno = (int) -result;
            if (errno == Errno.EBADFD) {
                throw TapDevice.gone(name, errno);
            }
            // tun_get_user() refuses the frame for good: EIO while the interface is down,
            // EINVAL for fewer than 14 bytes. Retrying cannot help; a NIC would drop it too.
            // (EAGAIN lands here only inside a batch, after a later frame was taken.)
            txErrors++;
            return;
        }
        long n = result;
        if (offloads) {
            n -= VirtioNetHeader.LENGTH;
            if (d.gsoType() != Descriptor.GSO_NONE) {
                txSuperFrames++;
            }
        }
        txFrames++;
        txBytes += n;
        if (d.external() != null) {
            txGathered++;
        }
    }

    /** Closes the io_uring, if any (after the driver loop has stopped). */
    void close() {
        if (txUring != null) {
            txUring.close();
        }
    }
}
