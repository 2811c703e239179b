package io.tapwire.tap;

import com.sun.jna.Native;

/**
 * The system calls {@link TapDevice} makes per frame or per wakeup ({@code read}, {@code write},
 * {@code readv}, {@code writev}, {@code poll}), behind one seam with two implementations of this
 * same class in a multi-release jar.
 *
 * <p>This one, the Java 17 version, calls {@link LibC} (JNA direct mapping). The jar also carries
 * {@code META-INF/versions/22/io/tapwire/tap/HotCalls.class} (built from {@code src/main/java22}
 * when a JDK 22+ compiler is available), which a Java 22 or newer runtime loads instead: the same
 * calls as Foreign Function and Memory API downcalls, which cost less per call than JNA's JNI
 * transition. {@link #implementation()} says which one the running JVM loaded.
 *
 * <p>Pointers are raw {@code long} addresses (the caller keeps the memory reachable). A call
 * returns what the system call returns, -1 on failure; {@link #lastErrno()} then gives
 * {@code errno} as this thread's last call through this class left it.
 */
final class HotCalls {
    private HotCalls() {
    }

    /** {@code read(2)}. */
    static long read(int fd, long buf, long count) {
        return LibC.read(fd, buf, count);
    }

    /** {@code write(2)}. */
    static long write(int fd, long buf, long count) {
        return LibC.write(fd, buf, count);
    }

    /** {@code readv(2)} with {@code iovcnt} {@code struct iovec}s at {@code iov}. */
    static long readv(int fd, long iov, int iovcnt) {
        return LibC.readv(fd, iov, iovcnt);
    }

    /** {@code writev(2)} with {@code iovcnt} {@code struct iovec}s at {@code iov}. */
    static long writev(int fd, long iov, int iovcnt) {
        return LibC.writev(fd, iov, iovcnt);
    }

    /**
     * {@code io_uring_enter(2)} without a signal mask: submits {@code toSubmit} queued entries
     * and, with {@code IORING_ENTER_GETEVENTS} in {@code flags}, waits for {@code minComplete}
     * completions.
     */
    static long ioUringEnter(int ringFd, int toSubmit, int minComplete, int flags) {
        return LibC.syscall(LibC.SYS_IO_URING_ENTER, ringFd, toSubmit, minComplete, flags, 0L, 0L);
    }

    /** {@code poll(2)} on {@code nfds} {@code struct pollfd}s at {@code fds}; may block. */
    static int poll(long fds, long nfds, int timeoutMillis) {
        return LibC.poll(fds, nfds, timeoutMillis);
    }

    /** {@code errno} after this thread's last failed call above (JNA saves it per thread). */
    static int lastErrno() {
        return Native.getLastError();
    }

    /** {@code "jna"} here, {@code "ffm"} in the Java 22 version. */
    static String implementation() {
        return "jna";
    }
}
