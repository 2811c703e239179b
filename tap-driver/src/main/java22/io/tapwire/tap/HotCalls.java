package io.tapwire.tap;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The system calls {@link TapDevice} makes per frame or per wakeup, as Foreign Function and Memory
 * API downcalls: the Java 22+ version of this class in the multi-release jar (the Java 17 version,
 * in {@code src/main/java}, calls JNA). Same methods, same contracts.
 *
 * <p>Each call is a {@code static final} {@link MethodHandle} invoked exactly, with primitive
 * arguments only, so the JIT compiles it to a direct call and nothing is allocated per call.
 * Pointers travel as {@code JAVA_LONG}: on the LP64 ABIs this driver runs on (System V x86-64,
 * AAPCS64) a pointer and a {@code long} are passed in the same integer registers, and a raw long
 * needs no {@link MemorySegment} wrapper per call.
 *
 * <p>{@code errno} is captured by the linker right after each call
 * ({@link Linker.Option#captureCallState}) into a small per-thread native segment, which
 * {@link #lastErrno()} reads: it is this thread's, as with JNA, because {@link TapDevice#wakeup}
 * writes from other threads than the driver's.
 *
 * <p>No call is linked as {@link Linker.Option#critical critical}: that option is for functions as
 * short as an empty one, and a write to the TAP runs the kernel's receive path for the frame. On a
 * TAP it measured no faster than the ordinary downcall, which already beats JNA.
 */
final class HotCalls {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    // ssize_t f(int fd, void *buf, size_t count) and ssize_t f(int fd, const struct iovec *iov, int iovcnt)
    private static final MethodHandle READ = link("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle WRITE = link("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle READV = link("readv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle WRITEV = link("writev", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    // int poll(struct pollfd *fds, nfds_t nfds, int timeout)
    private static final MethodHandle POLL = link("poll", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));

    // long syscall(long number, ...): variadic from the second argument on; io_uring_enter(2)
    // takes (int fd, u32 to_submit, u32 min_complete, u32 flags, const void *arg, size_t argsz).
    private static final MethodHandle SYSCALL_6 = LINKER.downcallHandle(
            LINKER.defaultLookup().find("syscall").orElseThrow(() -> new UnsatisfiedLinkError("libc has no syscall")),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
            ERRNO, Linker.Option.firstVariadicArg(1));

    /** Where the linker stores errno after this thread's calls; allocated once per thread. */
    private static final ThreadLocal<MemorySegment> CALL_STATE_OF_THREAD =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    private HotCalls() {
    }

    private static MethodHandle link(String name, FunctionDescriptor signature) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, signature, ERRNO);
    }

    /** {@code read(2)}. */
    static long read(int fd, long buf, long count) {
        try {
            return (long) READ.invokeExact(CALL_STATE_OF_THREAD.get(), fd, buf, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code write(2)}. */
    static long write(int fd, long buf, long count) {
        try {
            return (long) WRITE.invokeExact(CALL_STATE_OF_THREAD.get(), fd, buf, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code readv(2)}. */
    static long readv(int fd, long iov, int iovcnt) {
        try {
            return (long) READV.invokeExact(CALL_STATE_OF_THREAD.get(), fd, iov, iovcnt);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code writev(2)}. */
    static long writev(int fd, long iov, int iovcnt) {
        try {
            return (long) WRITEV.invokeExact(CALL_STATE_OF_THREAD.get(), fd, iov, iovcnt);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code io_uring_enter(2)} without a signal mask; may block when waiting for completions. */
    static long ioUringEnter(int ringFd, int toSubmit, int minComplete, int flags) {
        try {
            return (long) SYSCALL_6.invokeExact(CALL_STATE_OF_THREAD.get(), LibC.SYS_IO_URING_ENTER,
                    ringFd, toSubmit, minComplete, flags, 0L, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code poll(2)}; may block. */
    static int poll(long fds, long nfds, int timeoutMillis) {
        try {
            return (int) POLL.invokeExact(CALL_STATE_OF_THREAD.get(), fds, nfds, timeoutMillis);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code errno} as this thread's last call through this class left it. */
    static int lastErrno() {
        return CALL_STATE_OF_THREAD.get().get(JAVA_INT, ERRNO_OFFSET);
    }

    /** {@code "ffm"}: the Foreign Function and Memory API version. */
    static String implementation() {
        return "ffm";
    }

    // A downcall handle throws nothing checked; this only satisfies invokeExact's signature.
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
