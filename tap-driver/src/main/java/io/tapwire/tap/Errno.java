package io.tapwire.tap;

/**
 * The errno values the driver reacts to, and a readable name for any errno in messages
 * ({@code "EBUSY (Device or resource busy)"}). Values are the asm-generic ones shared by x86-64 and
 * AArch64.
 */
final class Errno {
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int E2BIG = 7;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EBUSY = 16;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int EBADFD = 77;

    private static final String[] NAMES = new String[134];

    static {
        String[] pairs = {
            "1", "EPERM", "2", "ENOENT", "3", "ESRCH", "4", "EINTR", "5", "EIO", "6", "ENXIO",
            "9", "EBADF", "11", "EAGAIN", "12", "ENOMEM", "13", "EACCES", "14", "EFAULT",
            "16", "EBUSY", "17", "EEXIST", "19", "ENODEV", "20", "ENOTDIR", "22", "EINVAL",
            "23", "ENFILE", "24", "EMFILE", "25", "ENOTTY", "28", "ENOSPC", "77", "EBADFD",
            "95", "EOPNOTSUPP", "105", "ENOBUFS",
        };
        for (int i = 0; i < pairs.length; i += 2) {
            NAMES[Integer.parseInt(pairs[i])] = pairs[i + 1];
        }
    }

    private Errno() {
    }

    /** {@code "EBUSY (Device or resource busy)"}, or {@code "errno 123 (...)"} for unnamed values. */
    static String describe(int errno) {
        String name = errno > 0 && errno < NAMES.length && NAMES[errno] != null ? NAMES[errno] : "errno " + errno;
        String text;
        try {
            text = LibC.strerror(errno);
        } catch (RuntimeException | LinkageError e) {
            text = null;
        }
        return text == null ? name : name + " (" + text + ")";
    }
}
