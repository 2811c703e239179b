package io.tapwire.pcap.replay.app;

import io.tapwire.Stack;
import io.tapwire.socket.UdpSocket;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/** RFC 862 echo over UDP: each datagram goes back to its sender from the socket's readable callback. */
final class UdpEchoApp implements ScenarioApp {
    private final int port;
    private final ByteBuffer buffer = ByteBuffer.allocate(65_507);
    private UdpSocket socket;

    UdpEchoApp(int port) {
        this.port = port;
    }

    @Override
    public void start(Stack stack) throws IOException {
        socket = stack.openUdp().bind(port);
        socket.onReadable(() -> {
            try {
                socket.drain(buffer, (src, srcPort, buf, length) -> socket.trySend(buf, 0, length, src, srcPort));
            } catch (UncheckedIOException closed) {
                // the socket was closed while datagrams arrived: nothing to echo
            }
        });
    }

    @Override
    public boolean step(long now) {
        return false;
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.close();
        }
    }
}
