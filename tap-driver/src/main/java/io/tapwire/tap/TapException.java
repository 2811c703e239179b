package io.tapwire.tap;

/**
 * A TAP device could not be opened or stopped working. The message says what the kernel refused
 * (with the errno name) and what to do about it, e.g. load the {@code tun} module or grant
 * {@code CAP_NET_ADMIN}.
 */
public final class TapException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    TapException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    TapException(String message, int errno, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    /** The errno that caused the failure, or 0 when it did not come from a system call. */
    public int errno() {
        return errno;
    }
}
