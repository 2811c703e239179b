package io.tapwire.tap;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An io_uring (Linux 5.1+) that writes a batch of frames to one TAP descriptor with a single
 * {@code io_uring_enter(2)}: {@link TapDevice}'s transmit path when it has two or more frames
 * ready. One frame per {@code write(2)} costs a system call entry and exit each; queued as
 * submission entries, a batch pays one, and the TAP (which takes non-blocking writes,
 * {@code FMODE_NOWAIT}) runs every write inline during the call, so their completions are posted
 * before it returns. scripts/bench-tap-uring.sh measured 2.2-3.0 us of CPU per 1514-byte frame
 * against 3.4-3.5 us with {@code write(2)} on this kind of machine.
 *
 * <p>The rings are the kernel's shared memory, mapped once ({@code IORING_FEAT_SINGLE_MMAP} when
 * offered) and accessed through direct buffers: the submission tail is stored with release
 * semantics after the entries are written, the completion tail read with acquire semantics
 * before the entries are read, as liburing's {@code io_uring_smp_store_release} /
 * {@code io_uring_smp_load_acquire} do. The TAP is not a registered file: a registered file
 * stays referenced until the ring's asynchronous teardown has run, so closing the device would
 * not delete the TAP at once (tun_chr_close runs on the last reference), and reopening it right
 * away would find it busy.
 *
 * <p>One thread (the device's driver thread) submits and reaps; the batch is always reaped before
 * {@link #submitAndWait} returns, so no entry outlives the call and the caller may reuse the
 * frame memory at once. Nothing is allocated per batch.
 */
final class TxUring implements AutoCloseable {
    /** Largest batch: submission entries, and slots for per-frame virtio-net headers and iovecs. */
    static final int ENTRIES = 32;

    private static final int IORING_OP_WRITEV = 2;
    private static final int IORING_OP_WRITE = 23;
    private static final int IORING_ENTER_GETEVENTS = 1;
    private static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;
    private static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    private static final int IORING_FEAT_SINGLE_MMAP = 1;
    private static final long IORING_OFF_SQ_RING = 0L;
    private static final long IORING_OFF_CQ_RING = 0x8000000L;
    private static final long IORING_OFF_SQES = 0x10000000L;
    private static final int SQE_SIZE = 64;
    private static final int CQE_SIZE = 16;
    private static final int PARAMS_SIZE = 120;

    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final int ringFd;
    private final int tapFd;
    private final long ringsAddress;
    private final long ringsLength;
    private final long cqAddress;
    private final long cqLength;
    private final long sqesAddress;
    private final long sqesLength;
    private final ByteBuffer sq;
    private final ByteBuffer cq;
    private final ByteBuffer sqes;
    private final int sqTailOffset;
    private final int sqMask;
    private final int sqArrayOffset;
    private final int cqHeadOffset;
    private final int cqTailOffset;
    private final int cqMask;
    private final int cqesOffset;
    private int sqTail;
    private int cqHead;
    private boolean closed;

    private TxUring(int ringFd, int tapFd, ByteBuffer params, long ringsAddress, long ringsLength, long cqAddress, long cqLength,
                    long sqesAddress, long sqesLength) {
        this.ringFd = ringFd;
        this.tapFd = tapFd;
        this.ringsAddress = ringsAddress;
        this.ringsLength = ringsLength;
        this.cqAddress = cqAddress;
        this.cqLength = cqLength;
        this.sqesAddress = sqesAddress;
        this.sqesLength = sqesLength;
        this.sq = view(ringsAddress, ringsLength);
        this.cq = cqAddress == ringsAddress ? sq : view(cqAddress, cqLength);
        this.sqes = view(sqesAddress, sqesLength);
        // struct io_sqring_offsets at 40 and struct io_cqring_offsets at 80 of struct io_uring_params.
        int sqHeadOffset = params.getInt(40);
        this.sqTailOffset = params.getInt(44);
        this.sqMask = sq.getInt(params.getInt(48));
        this.sqArrayOffset = params.getInt(64);
        this.cqHeadOffset = params.getInt(80);
        this.cqTailOffset = params.getInt(84);
        this.cqMask = cq.getInt(params.getInt(88));
        this.cqesOffset = params.getInt(100);
        this.sqTail = sq.getInt(sqTailOffset);
        this.cqHead = cq.getInt(cqHeadOffset);
        if (sq.getInt(sqHeadOffset) != sqTail) {
            throw new IllegalStateException("a new io_uring has queued entries");
        }
    }

    /**
     * Sets up a ring for writes to {@code tapFd}.
     *
     * @throws TapException with the reason when the kernel refuses (no io_uring, disabled by
     *     {@code kernel.io_uring_disabled}, seccomp, out of memory): the caller keeps {@code write(2)}
     */
    static TxUring open(int tapFd) {
        ByteBuffer params = ByteBuffer.allocateDirect(PARAMS_SIZE).order(ByteOrder.nativeOrder());
        long paramsAddress = LibC.address(params);
        params.putInt(8, IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN);
        long fd = LibC.syscall(LibC.SYS_IO_URING_SETUP, ENTRIES, paramsAddress, 0, 0, 0, 0);
        if (fd < 0 && Native.getLastError() == Errno.EINVAL) {
            // Kernels before 5.18/5.19 know neither flag: plain ring.
            params.clear();
            for (int i = 0; i < PARAMS_SIZE; i += 8) {
                params.putLong(i, 0L);
            }
            fd = LibC.syscall(LibC.SYS_IO_URING_SETUP, ENTRIES, paramsAddress, 0, 0, 0, 0);
        }
        if (fd < 0) {
            int errno = Native.getLastError();
            throw new TapException("io_uring_setup(2) failed: " + Errno.describe(errno)
                    + " (io_uring missing or disabled: see sysctl kernel.io_uring_disabled); TX keeps write(2)", errno);
        }
        int ringFd = (int) fd;
        long rings = 0;
        long ringsLength = 0;
        long cqRing = 0;
        long cqLength = 0;
        long sqes = 0;
        long sqesLength = 0;
        try {
            int sqEntries = params.getInt(0);
            int cqEntries = params.getInt(4);
            int features = params.getInt(20);
            long sqRingLength = params.getInt(64) + 4L * sqEntries;
            cqLength = params.getInt(100) + (long) CQE_SIZE * cqEntries;
            boolean single = (features & IORING_FEAT_SINGLE_MMAP) != 0;
            ringsLength = single ? Math.max(sqRingLength, cqLength) : sqRingLength;
            rings = map(ringFd, ringsLength, IORING_OFF_SQ_RING);
            if (single) {
                cqRing = rings;
                cqLength = ringsLength;
            } else {
                cqRing = map(ringFd, cqLength, IORING_OFF_CQ_RING);
            }
            sqesLength = (long) SQE_SIZE * sqEntries;
            sqes = map(ringFd, sqesLength, IORING_OFF_SQES);
            return new TxUring(ringFd, tapFd, params, rings, ringsLength, cqRing, cqLength, sqes, sqesLength);
        } catch (RuntimeException | Error e) {
            unmap(sqes, sqesLength);
            if (cqRing != rings) {
                unmap(cqRing, cqLength);
            }
            unmap(rings, ringsLength);
            LibC.close(ringFd);
            throw e;
        }
    }

    private static long map(int ringFd, long length, long offset) {
        long address = LibC.mmap(0L, length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED | LibC.MAP_POPULATE,
                ringFd, offset);
        if (address == LibC.MAP_FAILED) {
            int errno = Native.getLastError();
            throw new TapException("mmap(2) of an io_uring ring failed: " + Errno.describe(errno), errno);
        }
        return address;
    }

    private static void unmap(long address, long length) {
        if (address != 0) {
            LibC.munmap(address, length);
        }
    }

    private static ByteBuffer view(long address, long length) {
        return new Pointer(address).getByteBuffer(0, length).order(ByteOrder.nativeOrder());
    }

    /**
     * Queues a write of {@code length} bytes at {@code address} as entry {@code slot} of the batch
     * being built (slots 0 up to {@link #ENTRIES}, in frame order).
     */
    void queueWrite(int slot, long address, int length) {
        queue(slot, IORING_OP_WRITE, address, length);
    }

    /** Queues a gathering write of {@code iovcnt} {@code struct iovec}s at {@code iov} as entry {@code slot}. */
    void queueWritev(int slot, long iov, int iovcnt) {
        queue(slot, IORING_OP_WRITEV, iov, iovcnt);
    }

    private void queue(int slot, int opcode, long address, int length) {
        int index = (sqTail + slot) & sqMask;
        int at = index * SQE_SIZE;
        ByteBuffer e = sqes;
        // struct io_uring_sqe: opcode, flags, ioprio, fd; off; addr; len, rw_flags; user_data; the rest 0.
        e.put(at, (byte) opcode);
        e.put(at + 1, (byte) 0);
        e.putShort(at + 2, (short) 0);
        e.putInt(at + 4, tapFd);
        e.putLong(at + 8, 0L);
        e.putLong(at + 16, address);
        e.putInt(at + 24, length);
        e.putInt(at + 28, 0);
        e.putLong(at + 32, slot);
        e.putLong(at + 40, 0L);
        e.putLong(at + 48, 0L);
        e.putLong(at + 56, 0L);
        sq.putInt(sqArrayOffset + 4 * index, index);
    }

    /**
     * Submits the {@code count} entries queued since the last call and waits until all have
     * completed; {@code results[slot]} then holds each write's result as {@code write(2)} would
     * return it, or {@code -errno}.
     *
     * @throws TapException when {@code io_uring_enter(2)} itself fails (not a write: those are results)
     */
    void submitAndWait(int count, int[] results) {
        if (count <= 0 || count > ENTRIES) {
            throw new IllegalArgumentException("batch of " + count + " outside 1.." + ENTRIES);
        }
        sqTail += count;
        INT.setRelease(sq, sqTailOffset, sqTail);
        int toSubmit = count;
        int reaped = 0;
        while (true) {
            long rc = HotCalls.ioUringEnter(ringFd, toSubmit, count - reaped, IORING_ENTER_GETEVENTS);
            if (rc < 0) {
                int errno = HotCalls.lastErrno();
                if (errno != Errno.EINTR) {
                    throw new TapException("io_uring_enter(2) failed: " + Errno.describe(errno), errno);
                }
            } else {
                toSubmit -= (int) rc;
            }
            reaped += reap(results);
            if (reaped >= count && toSubmit == 0) {
                return;
            }
        }
    }

    private int reap(int[] results) {
        int head = cqHead;
        int tail = (int) INT.getAcquire(cq, cqTailOffset);
        int n = 0;
        while (head != tail) {
            int at = cqesOffset + (head & cqMask) * CQE_SIZE;
            results[(int) cq.getLong(at)] = cq.getInt(at + 8);
            head++;
            n++;
        }
        cqHead = head;
        INT.setRelease(cq, cqHeadOffset, head);
        return n;
    }

    /** Unmaps the rings and closes the ring descriptor; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        unmap(sqesAddress, sqesLength);
        if (cqAddress != ringsAddress) {
            unmap(cqAddress, cqLength);
        }
        unmap(ringsAddress, ringsLength);
        LibC.close(ringFd);
    }
}
