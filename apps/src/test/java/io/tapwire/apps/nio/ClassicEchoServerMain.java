package io.tapwire.apps.nio;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A blocking java.net echo server (ServerSocket, a thread per connection), nothing of tapwire in
 * it: under {@code tapwire run} its sockets come from the installed SocketImplFactory. After each
 * connection's echo it prints the peer's address and port. Argument: the port.
 */
public final class ClassicEchoServerMain {
    private ClassicEchoServerMain() {
    }

    public static void main(String[] args) throws IOException {
        ServerSocket ss = new ServerSocket(Integer.parseInt(args[0]));
        System.out.println("ClassicEchoServerMain listening on " + ss.getLocalSocketAddress() + " " + ss.getClass().getName());
        Thread acceptor = new Thread(() -> {
            while (true) {
                try {
                    Socket s = ss.accept();
                    new Thread(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                            System.out.println("echoed for " + s.getInetAddress().getHostAddress() + ":" + s.getPort());
                        } catch (IOException e) {
                            System.out.println("connection failed: " + e);
                        }
                    }).start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.start();
    }
}
