package io.tapwire.nio;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.DatagramSocketImpl;

/**
 * {@link ClassicDatagramSocketCases} on {@link TapwireDatagramSocketImpl}: servers on one stack,
 * clients on another, joined by a virtual wire. Every case must pass as it does on
 * {@link JdkClassicDatagramSocketTest}.
 */
class TapwireClassicDatagramSocketTest extends ClassicDatagramSocketCases {
    /** A DatagramSocket on a given impl (the constructor is protected): the JDK's socket logic over it. */
    static final class ImplDatagramSocket extends DatagramSocket {
        ImplDatagramSocket(DatagramSocketImpl impl) {
            super(impl);
        }
    }

    @Override
    NioWorld newWorld() {
        return new NioWorld.Tapwire();
    }

    @Override
    DatagramSocket newSocket(boolean server) throws IOException {
        return new ImplDatagramSocket(new TapwireDatagramSocketImpl(
                (TapwireSelectorProvider) (server ? world.serverProvider() : world.clientProvider())));
    }
}
