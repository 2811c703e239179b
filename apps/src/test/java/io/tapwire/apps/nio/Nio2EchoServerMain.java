package io.tapwire.apps.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;

/**
 * An echo server on NIO.2's asynchronous channels (AsynchronousServerSocketChannel in the JDK's
 * default group, completion handlers only), nothing of tapwire in it: each connection gets back
 * what it sends until it shuts its output, then the server closes it. Argument: the port.
 */
public final class Nio2EchoServerMain {
    private Nio2EchoServerMain() {
    }

    public static void main(String[] args) throws Exception {
        AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open()
                .bind(new InetSocketAddress(Integer.parseInt(args[0])));
        server.accept(null, new CompletionHandler<AsynchronousSocketChannel, Void>() {
            @Override
            public void completed(AsynchronousSocketChannel ch, Void att) {
                server.accept(null, this);
                echo(ch, ByteBuffer.allocate(16384));
            }

            @Override
            public void failed(Throwable exc, Void att) {
                System.err.println("accept failed: " + exc);
            }
        });
        System.out.println("Nio2EchoServerMain listening on " + server.getLocalAddress() + " (" + server.provider().getClass().getName() + ")");
        Thread.currentThread().join(); // the handlers run on the group's daemon threads
    }

    private static void echo(AsynchronousSocketChannel ch, ByteBuffer buf) {
        ch.read(buf, null, new CompletionHandler<Integer, Void>() {
            @Override
            public void completed(Integer n, Void att) {
                if (n < 0) {
                    close(ch);
                    return;
                }
                buf.flip();
                writeAll(ch, buf, () -> {
                    buf.clear();
                    echo(ch, buf);
                });
            }

            @Override
            public void failed(Throwable exc, Void att) {
                close(ch);
            }
        });
    }

    private static void writeAll(AsynchronousSocketChannel ch, ByteBuffer buf, Runnable then) {
        ch.write(buf, null, new CompletionHandler<Integer, Void>() {
            @Override
            public void completed(Integer n, Void att) {
                if (buf.hasRemaining()) {
                    ch.write(buf, null, this);
                } else {
                    then.run();
                }
            }

            @Override
            public void failed(Throwable exc, Void att) {
                close(ch);
            }
        });
    }

    private static void close(AsynchronousSocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
