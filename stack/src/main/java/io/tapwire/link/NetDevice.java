package io.tapwire.link;

/**
 * A network device as the stack sees it: an RX ring the device fills and a TX ring the device
 * drains. The stack never calls into the medium; a driver loop calls {@link #doWork} to move frames
 * between the medium and the rings.
 */
public interface NetDevice extends AutoCloseable {
    /** Interface name, e.g. {@code tap0}. */
    String name();

    /** IP MTU of the link (1500 for Ethernet); frames are at most {@code mtu() + 14} bytes. */
    int mtu();

    /** What the device completes or cuts on transmit; {@link LinkOffloads#NONE} unless it says otherwise. */
    default LinkOffloads offloads() {
        return LinkOffloads.NONE;
    }

    /** Frames received from the medium, for the stack. */
    DescriptorRing rxRing();

    /** Frames from the stack, for the medium. */
    DescriptorRing txRing();

    /**
     * Offers the device a header-data split: if it takes it ({@code true}), it reads the payload of
     * the frames {@code placement} expects straight into a TCP receive ring. Devices that cannot,
     * or whose frames someone else reads too (captures), decline, as by default.
     */
    default boolean placeReceived(RxPlacement placement) {
        return false;
    }

    /**
     * Moves frames between the medium and the rings without blocking: sends READY TX frames and
     * fills AVAILABLE RX slots with received frames.
     *
     * @return the number of frames moved in either direction
     */
    int doWork(long nowNanos);

    /** The next time {@link #doWork} has something scheduled (delayed frames), or {@code Long.MAX_VALUE}. */
    default long nextDeadline() {
        return Long.MAX_VALUE;
    }

    /**
     * Blocks the driver thread until the medium may have frames to read, {@link #wakeup()} is
     * called, or {@code timeoutNanos} pass (the interrupt half of the NAPI balance). In-memory
     * devices return at once.
     */
    default void await(long timeoutNanos) {
    }

    /** Ends an {@link #await} early; safe from any thread (application threads call it after queuing work). */
    default void wakeup() {
    }

    /**
     * Makes a current or the next {@link #await} return by {@code deadlineNanos} on
     * {@link System#nanoTime()}'s clock at the latest, without waking the driver before then, as
     * re-arming a timer does; safe from any thread. Of several calls before the driver wakes, the
     * earliest deadline holds. Devices without a timer of their own ring {@link #wakeup()} at once,
     * which is early but never late.
     */
    default void wakeAt(long deadlineNanos) {
        wakeup();
    }

    @Override
    void close();
}
