package io.tapwire.apps.nio;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.MulticastSocket;

/**
 * A classic java.net UDP echo server, nothing of tapwire in it: a {@code DatagramSocket} on
 * {@code port} and a {@code MulticastSocket} on {@code port2} (which first tries to join the group
 * 239.1.2.3 and prints what happened), each sending every datagram back to its source with one
 * reused {@code DatagramPacket} and printing "echoed N bytes from SOURCE". Arguments: port, port2.
 */
public final class ClassicDatagramEchoServerMain {
    private ClassicDatagramEchoServerMain() {
    }

    public static void main(String[] args) throws IOException {
        DatagramSocket plain = new DatagramSocket(Integer.parseInt(args[0]));
        System.out.println("ClassicDatagramEchoServerMain: DatagramSocket bound to " + plain.getLocalSocketAddress()
                + ", broadcast " + plain.getBroadcast());
        MulticastSocket multi = new MulticastSocket(Integer.parseInt(args[1]));
        System.out.println("ClassicDatagramEchoServerMain: MulticastSocket bound to " + multi.getLocalSocketAddress()
                + ", reuse address " + multi.getReuseAddress());
        try {
            multi.joinGroup(InetAddress.getByName("239.1.2.3"));
            System.out.println("joined 239.1.2.3");
        } catch (IOException e) {
            System.out.println("join failed: " + e.getMessage());
        }
        start(plain, "DatagramSocket");
        start(multi, "MulticastSocket");
    }

    private static void start(DatagramSocket s, String name) {
        Thread t = new Thread(() -> {
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            while (true) {
                try {
                    s.receive(p);
                    s.send(p);
                    System.out.println(name + " echoed " + p.getLength() + " bytes from " + p.getSocketAddress());
                } catch (IOException e) {
                    System.out.println(name + " failed: " + e);
                    return;
                }
            }
        }, name);
        t.start();
    }
}
