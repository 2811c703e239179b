package io.tapwire.nio;

import java.io.IOException;
import java.net.DatagramSocket;

/** {@link ClassicDatagramSocketCases} on the JDK's own DatagramSocket over the loopback: the reference. */
class JdkClassicDatagramSocketTest extends ClassicDatagramSocketCases {
    @Override
    NioWorld newWorld() {
        return new NioWorld.Jdk();
    }

    @Override
    DatagramSocket newSocket(boolean server) throws IOException {
        return new DatagramSocket(null);
    }
}
