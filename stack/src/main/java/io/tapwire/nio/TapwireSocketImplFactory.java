package io.tapwire.nio;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketImpl;
import java.net.SocketImplFactory;

/**
 * Makes classic {@code java.net.Socket} and {@code ServerSocket} use tapwire
 * ({@link TapwireSocketImpl}), so blocking java.net programs move onto the stack like NIO ones.
 * The JDK allows this once per JVM, for both classes: {@link #install} sets both.
 */
public final class TapwireSocketImplFactory implements SocketImplFactory {
    private final TapwireSelectorProvider provider;

    public TapwireSocketImplFactory(TapwireSelectorProvider provider) {
        this.provider = provider;
    }

    @Override
    public SocketImpl createSocketImpl() {
        return new TapwireSocketImpl(provider);
    }

    /**
     * Sets this factory for {@code Socket} and {@code ServerSocket} (JDK-wide, once per JVM).
     *
     * @throws java.net.SocketException if a factory was set already
     */
    @SuppressWarnings("deprecation")
    public static void install(TapwireSelectorProvider provider) throws IOException {
        TapwireSocketImplFactory f = new TapwireSocketImplFactory(provider);
        Socket.setSocketImplFactory(f);
        ServerSocket.setSocketFactory(f);
    }
}
