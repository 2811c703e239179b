package io.tapwire.apps.nio;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * A blocking NIO UDP echo server, nothing of tapwire in it: one {@code DatagramChannel.open(INET6)}
 * on the wildcard address and {@code port}, and one channel of the default family bound to
 * {@code address6} and {@code port2}; each sends every datagram back to its source and prints
 * "echoed N bytes from SOURCE". Arguments: port, address6, port2.
 */
public final class DatagramEchoServerMain {
    private DatagramEchoServerMain() {
    }

    public static void main(String[] args) throws IOException {
        DatagramChannel dual = DatagramChannel.open(StandardProtocolFamily.INET6);
        dual.bind(new InetSocketAddress(Integer.parseInt(args[0])));
        DatagramChannel v6 = DatagramChannel.open();
        v6.bind(new InetSocketAddress(InetAddress.getByName(args[1]), Integer.parseInt(args[2])));
        start(dual, "INET6 channel");
        start(v6, "default-family channel");
    }

    private static void start(DatagramChannel ch, String name) throws IOException {
        System.out.println("DatagramEchoServerMain: " + name + " bound to " + ch.getLocalAddress());
        Thread t = new Thread(() -> {
            ByteBuffer buf = ByteBuffer.allocate(65536);
            while (true) {
                try {
                    buf.clear();
                    SocketAddress from = ch.receive(buf);
                    buf.flip();
                    int n = buf.remaining();
                    ch.send(buf, from);
                    System.out.println(name + " echoed " + n + " bytes from " + from);
                } catch (IOException e) {
                    System.out.println(name + " failed: " + e);
                    return;
                }
            }
        }, name);
        t.start();
    }
}
