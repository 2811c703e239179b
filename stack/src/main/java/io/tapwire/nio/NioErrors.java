package io.tapwire.nio;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.Channel;
import java.nio.channels.ClosedByInterruptException;

/**
 * The exceptions of the JDK's channels on Linux, made from the stack's own (which say more, and
 * are kept as the cause): a program that matches on "Connection refused" or "Connection reset"
 * sees the same text on tapwire. The messages are the JDK's renderings of the errno values Linux
 * returns (ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE).
 */
final class NioErrors {
    private NioErrors() {
    }

    private static boolean isReset(IOException e) {
        String m = e.getMessage();
        return m != null && m.contains("reset");
    }

    private static boolean isTimeout(IOException e) {
        return e instanceof SocketTimeoutException || (e.getMessage() != null && e.getMessage().contains("timed out"));
    }

    /** A failed handshake (connect, finishConnect): ECONNREFUSED, ETIMEDOUT, ECONNRESET. */
    static IOException connect(IOException e) {
        IOException jdk;
        if (e instanceof ConnectException) {
            jdk = new ConnectException("Connection refused");
        } else if (isTimeout(e)) {
            jdk = new ConnectException("Connection timed out");
        } else if (isReset(e)) {
            jdk = new ConnectException("Connection reset");
        } else {
            return e;
        }
        jdk.initCause(e);
        return jdk;
    }

    /** A failed read: the JDK (since 13) reports ECONNRESET as "Connection reset". */
    static IOException read(IOException e) {
        IOException jdk;
        if (isReset(e)) {
            jdk = new SocketException("Connection reset");
        } else if (isTimeout(e)) {
            jdk = new SocketException("Connection timed out");
        } else {
            return e;
        }
        jdk.initCause(e);
        return jdk;
    }

    /**
     * A failed write: Linux returns the pending ECONNRESET once ("Connection reset by peer"), then
     * EPIPE ("Broken pipe") for every later write.
     */
    static IOException write(IOException e, boolean firstAfterError) {
        IOException jdk;
        if (isReset(e)) {
            jdk = firstAfterError ? new SocketException("Connection reset by peer") : new SocketException("Broken pipe");
        } else if (isTimeout(e)) {
            jdk = firstAfterError ? new SocketException("Connection timed out") : new SocketException("Broken pipe");
        } else {
            return e;
        }
        jdk.initCause(e);
        return jdk;
    }
    /**
     * Finishes an interrupt of a blocking call; called right after {@code end()}. Since Java 21,
     * {@code Thread.interrupt} sets the status and wakes the thread before it takes the lock under
     * which it records the interrupt in the channel (its {@code Interruptible}), so a waiter that the
     * interrupt itself wakes can pass {@code end()} first: {@code end()} then finds nothing recorded
     * and throws nothing, and the interrupter finds no blocker and closes nothing. The JDK's own
     * channels wait in poll(2), which only the close ends, so they never lose that race; ours wait
     * on a condition, which the interrupt ends. A blocking call that leaves {@code end()} with the
     * status still set was interrupted while in progress, and the {@code InterruptibleChannel}
     * contract applies: the channel is closed, the status stays set, and
     * {@link ClosedByInterruptException} is thrown (replacing the wait's own exception).
     */
    static void interruptedWhileBlocked(Channel ch) throws ClosedByInterruptException {
        if (Thread.currentThread().isInterrupted()) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Closing our channels does not fail; the interrupt is what the caller must see.
            }
            throw new ClosedByInterruptException();
        }
    }
}
