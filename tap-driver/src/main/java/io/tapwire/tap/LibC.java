package io.tapwire.tap;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;

/**
 * The few libc calls the TAP driver needs, bound with JNA direct mapping ({@code Native.register}).
 *
 * <p>Direct mapping turns each call into one JNI transition with no reflection and no argument
 * boxing. Pointers are passed as raw {@code long} addresses (this class only loads on 64-bit
 * Linux), so the hot calls ({@code read}, {@code write}, {@code poll}) allocate nothing. On
 * failure a call returns -1 and the caller reads {@code errno} with {@link Native#getLastError()},
 * which JNA saves per thread right after every native call.
 *
 * <p>{@code ioctl} and {@code open} are variadic in C; calling them with fixed arguments is what
 * every binding does on x86-64 and AArch64 Linux, where variadic integer and pointer arguments
 * travel in the same registers as fixed ones.
 */
final class LibC {
    // fcntl.h / asm-generic: the same values on x86-64 and AArch64.
    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;

    // sys/eventfd.h
    static final int EFD_NONBLOCK = O_NONBLOCK;
    static final int EFD_CLOEXEC = O_CLOEXEC;

    // sys/timerfd.h, time.h
    static final int CLOCK_MONOTONIC = 1;
    static final int TFD_NONBLOCK = O_NONBLOCK;
    static final int TFD_CLOEXEC = O_CLOEXEC;
    static final int TFD_TIMER_ABSTIME = 1;

    // poll.h
    static final short POLLIN = 0x001;
    static final short POLLOUT = 0x004;
    static final short POLLERR = 0x008;
    static final short POLLHUP = 0x010;
    static final short POLLNVAL = 0x020;

    // sched.h
    static final int CLONE_NEWNET = 0x40000000;

    // linux/if_tun.h: _IOW('T', 202, int), IFF_TAP and IFF_NO_PI
    static final long TUNSETIFF = 0x400454caL;
    static final short IFF_TAP = 0x0002;
    static final short IFF_NO_PI = 0x1000;
    // IFF_VNET_HDR: every frame is preceded by a struct virtio_net_hdr (offload metadata).
    static final short IFF_VNET_HDR = 0x4000;
    // IFF_MULTI_QUEUE: the TAP takes several files, one queue each (tun_attach(); up to MAX_TAP_QUEUES).
    static final short IFF_MULTI_QUEUE = 0x0100;
    // _IOW('T', 216, int): the virtio-net header size (a pointer to an int).
    static final long TUNSETVNETHDRSZ = 0x400454d8L;
    // _IOW('T', 208, unsigned int): which offloads userspace accepts (the flags by value).
    static final long TUNSETOFFLOAD = 0x400454d0L;
    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    static final int TUN_F_TSO6 = 0x04;
    static final int TUN_F_TSO_ECN = 0x08;

    // sys/uio.h: struct iovec { void *iov_base; size_t iov_len; }
    static final int IOVEC_SIZE = 16;

    // net/if.h: struct ifreq is a 16-byte name followed by a 24-byte union (40 bytes on LP64).
    static final int IFNAMSIZ = 16;
    static final int IFREQ_SIZE = 40;
    static final int IFREQ_FLAGS_OFFSET = IFNAMSIZ;

    static {
        if (!Platform.isLinux() || Native.POINTER_SIZE != 8) {
            throw new UnsupportedOperationException("the TAP driver needs 64-bit Linux; this is "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        }
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LibC() {
    }

    static native int open(String path, int flags);

    static native int close(int fd);

    static native long read(int fd, long buf, long count);

    static native long write(int fd, long buf, long count);

    static native long readv(int fd, long iov, int iovcnt);

    static native long writev(int fd, long iov, int iovcnt);

    static native int ioctl(int fd, long request, long argp);

    static native int poll(long fds, long nfds, int timeoutMillis);

    static native int eventfd(int initval, int flags);

    static native int timerfd_create(int clockid, int flags);

    /** {@code new_value} and {@code old_value} point at a struct itimerspec (four longs); old may be 0. */
    static native int timerfd_settime(int fd, int flags, long newValue, long oldValue);

    static native int setns(int fd, int nstype);

    static native int geteuid();

    static native String strerror(int errnum);

    // syscall(2) for the io_uring calls glibc has no wrapper for. Declared with six fixed longs:
    // glibc's syscall() is an assembly stub that moves its argument registers into the kernel's,
    // so the unused trailing ones are harmless.
    static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    static native long mmap(long addr, long length, int prot, int flags, int fd, long offset);

    static native int munmap(long addr, long length);

    // x86-64 and arm64 agree on the io_uring system call numbers (include/uapi/asm-generic/unistd.h).
    static final long SYS_IO_URING_SETUP = 425;
    static final long SYS_IO_URING_ENTER = 426;

    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int MAP_SHARED = 0x01;
    static final int MAP_POPULATE = 0x08000;
    static final long MAP_FAILED = -1L;

    /** The native address of a direct buffer's first byte (position ignored). */
    static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("TAP I/O needs a direct ByteBuffer");
        }
        return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }

    /** The native address of JNA-owned memory; the caller keeps {@code memory} reachable. */
    static long address(Memory memory) {
        return Pointer.nativeValue(memory);
    }
}
