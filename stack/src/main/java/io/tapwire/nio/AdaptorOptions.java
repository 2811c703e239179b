package io.tapwire.nio;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;

/**
 * The socket-option plumbing the {@code java.net} adaptors share ({@link SocketAdaptor},
 * {@link ServerSocketAdaptor}, {@link DatagramSocketAdaptor}): each must extend its own JDK class,
 * so they delegate here. The checks and messages are the JDK's own adaptors': a closed socket
 * throws {@code SocketException("Socket is closed")}, an I/O error becomes a
 * {@code SocketException}, and the argument checks of {@code java.net.Socket} are kept.
 */
final class AdaptorOptions {
    private AdaptorOptions() {
    }

    static void checkOpen(NetworkChannel ch) throws SocketException {
        if (!ch.isOpen()) {
            throw new SocketException("Socket is closed");
        }
    }

    static <T> void set(NetworkChannel ch, SocketOption<T> name, T value) throws SocketException {
        checkOpen(ch);
        try {
            ch.setOption(name, value);
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            throw new SocketException(e.getMessage());
        }
    }

    static <T> T get(NetworkChannel ch, SocketOption<T> name) throws SocketException {
        checkOpen(ch);
        try {
            return ch.getOption(name);
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            throw new SocketException(e.getMessage());
        }
    }

    /** {@code setSendBufferSize}: a positive size, as {@code java.net.Socket} requires. */
    static void setSendBufferSize(NetworkChannel ch, int size) throws SocketException {
        if (size <= 0) {
            throw new IllegalArgumentException("Invalid send size");
        }
        set(ch, StandardSocketOptions.SO_SNDBUF, size);
    }

    /** {@code setReceiveBufferSize}: a positive size, as {@code java.net.Socket} requires. */
    static void setReceiveBufferSize(NetworkChannel ch, int size) throws SocketException {
        if (size <= 0) {
            throw new IllegalArgumentException("Invalid receive size");
        }
        set(ch, StandardSocketOptions.SO_RCVBUF, size);
    }

    /** {@code setTrafficClass}: 0 to 255, the IP TOS byte. */
    static void setTrafficClass(NetworkChannel ch, int tc) throws SocketException {
        if (tc < 0 || tc > 255) {
            throw new IllegalArgumentException("tc is not in range 0 -- 255");
        }
        set(ch, StandardSocketOptions.IP_TOS, tc);
    }
}
