package io.tapwire.nio;

import java.io.IOException;
import java.net.DatagramSocket;

/**
 * {@link ClassicDatagramSocketCases} on {@link TapwireDatagramSocketImpl} over IPv6 (fd00::1 to
 * fd00::2, dual-stack sockets as the JDK's). Every case must pass as it does on
 * {@link Jdk6ClassicDatagramSocketTest}.
 */
class Tapwire6ClassicDatagramSocketTest extends ClassicDatagramSocketCases {
    @Override
    NioWorld newWorld() {
        return NioWorld.Tapwire.ipv6();
    }

    @Override
    DatagramSocket newSocket(boolean server) throws IOException {
        return new TapwireClassicDatagramSocketTest.ImplDatagramSocket(new TapwireDatagramSocketImpl(
                (TapwireSelectorProvider) (server ? world.serverProvider() : world.clientProvider())));
    }
}
