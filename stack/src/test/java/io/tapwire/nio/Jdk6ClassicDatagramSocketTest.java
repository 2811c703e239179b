package io.tapwire.nio;

import java.io.IOException;
import java.net.DatagramSocket;

/** {@link ClassicDatagramSocketCases} on the JDK's own DatagramSocket over IPv6 loopback (::1): the reference. */
class Jdk6ClassicDatagramSocketTest extends ClassicDatagramSocketCases {
    @Override
    NioWorld newWorld() {
        return NioWorld.Jdk.ipv6();
    }

    @Override
    DatagramSocket newSocket(boolean server) throws IOException {
        return new DatagramSocket(null);
    }
}
