package io.tapwire.nio;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.StackRunner;
import io.tapwire.link.VirtualDevice;
import io.tapwire.time.Clock;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.MacAddress;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * Where a channel-semantics case runs: the JDK's default provider over the real loopback, or
 * tapwire's provider on two stacks joined by a virtual wire (each on its own {@link StackRunner}),
 * the server side on one stack and the client side on the other.
 */
abstract class NioWorld implements AutoCloseable {
    /** The provider servers (listeners, accepted channels) use. */
    abstract SelectorProvider serverProvider();

    /** The provider clients use. */
    abstract SelectorProvider clientProvider();

    /** Where a server binds (port 0: any free port). */
    abstract InetSocketAddress bindAddress(int port);

    /** Where a client reaches a server listening on {@code port}. */
    abstract InetSocketAddress serverAddress(int port);

    /** The address the server sees clients come from. */
    abstract InetAddress clientHost();

    /** A port on the server's host with no listener (connecting to it is refused). */
    int closedPort() throws IOException {
        try (ServerSocketChannel s = serverProvider().openServerSocketChannel()) {
            s.bind(bindAddress(0));
            return ((InetSocketAddress) s.getLocalAddress()).getPort();
        }
    }

    @Override
    public void close() {
    }

    /** The JDK's own provider on 127.0.0.1. */
    static final class Jdk extends NioWorld {
        private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

        Jdk() {
            if (!SelectorProvider.provider().getClass().getName().startsWith("sun.nio.ch.")) {
                throw new IllegalStateException("the JDK's default provider is replaced in this JVM: " + SelectorProvider.provider());
            }
        }

        @Override
        SelectorProvider serverProvider() {
            return SelectorProvider.provider();
        }

        @Override
        SelectorProvider clientProvider() {
            return SelectorProvider.provider();
        }

        @Override
        InetSocketAddress bindAddress(int port) {
            return new InetSocketAddress(LOOPBACK, port);
        }

        @Override
        InetSocketAddress serverAddress(int port) {
            return new InetSocketAddress(LOOPBACK, port);
        }

        @Override
        InetAddress clientHost() {
            return LOOPBACK;
        }
    }

    /** Two tapwire stacks on a virtual wire: clients on 10.0.0.1, servers on 10.0.0.2. */
    static final class Tapwire extends NioWorld {
        static final int CLIENT = Ipv4Address.parse("10.0.0.1");
        static final int SERVER = Ipv4Address.parse("10.0.0.2");

        final Stack client;
        final Stack server;
        private final StackRunner clientRunner;
        private final StackRunner serverRunner;
        private final TapwireSelectorProvider clientProvider;
        private final TapwireSelectorProvider serverProvider;

        Tapwire() {
            VirtualDevice devA = new VirtualDevice("nioA", 1500, 256);
            VirtualDevice devB = new VirtualDevice("nioB", 1500, 256);
            VirtualDevice.connect(devA, devB);
            client = new Stack(devA, config(CLIENT, MacAddress.parse("02:00:00:00:00:01"), 1));
            server = new Stack(devB, config(SERVER, MacAddress.parse("02:00:00:00:00:02"), 2));
            clientRunner = new StackRunner(client, devA, Clock.SYSTEM).busyPollNanos(0).start();
            serverRunner = new StackRunner(server, devB, Clock.SYSTEM).busyPollNanos(0).start();
            clientProvider = new TapwireSelectorProvider(client);
            serverProvider = new TapwireSelectorProvider(server);
        }

        private static StackConfig config(int addr, long mac, long seed) {
            StackConfig c = new StackConfig();
            c.address = addr;
            c.mac = mac;
            c.prefixLength = 24;
            c.seed = seed;
            return c;
        }

        @Override
        SelectorProvider serverProvider() {
            return serverProvider;
        }

        @Override
        SelectorProvider clientProvider() {
            return clientProvider;
        }

        @Override
        InetSocketAddress bindAddress(int port) {
            return new InetSocketAddress(port);
        }

        @Override
        InetSocketAddress serverAddress(int port) {
            return new InetSocketAddress(NioAddresses.toInet(SERVER), port);
        }

        @Override
        InetAddress clientHost() {
            return NioAddresses.toInet(CLIENT);
        }

        @Override
        public void close() {
            clientRunner.close();
            serverRunner.close();
        }
    }
}
