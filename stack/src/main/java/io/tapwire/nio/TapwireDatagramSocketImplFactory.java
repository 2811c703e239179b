package io.tapwire.nio;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.DatagramSocketImpl;
import java.net.DatagramSocketImplFactory;

/**
 * Makes classic {@code java.net.DatagramSocket} and {@code MulticastSocket} use tapwire
 * ({@link TapwireDatagramSocketImpl}): with a factory set, the JDK builds those sockets on the
 * factory's impl instead of on its own default provider. The JDK allows it once per JVM.
 */
public final class TapwireDatagramSocketImplFactory implements DatagramSocketImplFactory {
    private final TapwireSelectorProvider provider;

    public TapwireDatagramSocketImplFactory(TapwireSelectorProvider provider) {
        this.provider = java.util.Objects.requireNonNull(provider, "provider");
    }

    @Override
    public DatagramSocketImpl createDatagramSocketImpl() {
        return new TapwireDatagramSocketImpl(provider);
    }

    /**
     * Sets this factory for {@code DatagramSocket} (JDK-wide, once per JVM).
     *
     * @throws java.net.SocketException if a factory was set already
     */
    @SuppressWarnings("deprecation")
    public static void install(TapwireSelectorProvider provider) throws IOException {
        DatagramSocket.setDatagramSocketImplFactory(new TapwireDatagramSocketImplFactory(provider));
    }
}
