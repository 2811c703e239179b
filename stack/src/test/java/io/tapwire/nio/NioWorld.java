package io.tapwire.nio;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.StackRunner;
import io.tapwire.link.VirtualDevice;
import io.tapwire.time.Clock;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.Ipv6Address;
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

    /** The server host's IPv4 address (in an IPv6 world too: the hosts have both families). */
    abstract InetAddress serverHost4();

    /** The client host's IPv4 address. */
    abstract InetAddress clientHost4();

    /** Whether clients reach servers over IPv6. */
    boolean isIpv6() {
        return serverAddress(1).getAddress() instanceof java.net.Inet6Address;
    }

    /** Where a client channel binds before it connects (bind before connect): the client's address. */
    InetSocketAddress clientBindAddress(int port) {
        return new InetSocketAddress(clientHost(), port);
    }

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

    /** The JDK's own provider on 127.0.0.1, or on ::1 for {@link #ipv6()}. */
    static final class Jdk extends NioWorld {
        private final InetAddress LOOPBACK;

        Jdk() {
            this(false);
        }

        /** The JDK's provider over IPv6 loopback (::1). */
        static Jdk ipv6() {
            return new Jdk(true);
        }

        private Jdk(boolean ipv6) {
            try {
                LOOPBACK = ipv6 ? InetAddress.getByName("::1") : InetAddress.getLoopbackAddress();
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
            }
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

        @Override
        InetAddress serverHost4() {
            return InetAddress.getLoopbackAddress();
        }

        @Override
        InetAddress clientHost4() {
            return InetAddress.getLoopbackAddress();
        }
    }

    /**
     * Two tapwire stacks on a virtual wire: clients on 10.0.0.1, servers on 10.0.0.2; with
     * {@link #ipv6()} the clients reach the servers at fd00::2 from fd00::1 (both stacks have
     * both families; duplicate address detection is off so the addresses are usable at once).
     */
    static final class Tapwire extends NioWorld {
        static final int CLIENT = Ipv4Address.parse("10.0.0.1");
        static final int SERVER = Ipv4Address.parse("10.0.0.2");
        static final Ipv6Address CLIENT6 = Ipv6Address.parse("fd00::1");
        static final Ipv6Address SERVER6 = Ipv6Address.parse("fd00::2");
        private final boolean ipv6;

        /** Clients reach servers over IPv6. */
        static Tapwire ipv6() {
            return new Tapwire(true);
        }

        final Stack client;
        final Stack server;
        private final StackRunner clientRunner;
        private final StackRunner serverRunner;
        private final TapwireSelectorProvider clientProvider;
        private final TapwireSelectorProvider serverProvider;

        Tapwire() {
            this(false);
        }

        private Tapwire(boolean ipv6) {
            this.ipv6 = ipv6;
            VirtualDevice devA = new VirtualDevice("nioA", 1500, 256);
            VirtualDevice devB = new VirtualDevice("nioB", 1500, 256);
            VirtualDevice.connect(devA, devB);
            client = new Stack(devA, config(CLIENT, ipv6 ? CLIENT6 : null, MacAddress.parse("02:00:00:00:00:01"), 1));
            server = new Stack(devB, config(SERVER, ipv6 ? SERVER6 : null, MacAddress.parse("02:00:00:00:00:02"), 2));
            clientRunner = new StackRunner(client, devA, Clock.SYSTEM).busyPollNanos(0).start();
            serverRunner = new StackRunner(server, devB, Clock.SYSTEM).busyPollNanos(0).start();
            if (ipv6) {
                awaitPreferred(client, CLIENT6);
                awaitPreferred(server, SERVER6);
            }
            clientProvider = new TapwireSelectorProvider(client);
            serverProvider = new TapwireSelectorProvider(server);
        }

        /** Until the stack thread has started and made {@code a} usable (no DAD: at its first turn). */
        private static void awaitPreferred(Stack stack, Ipv6Address a) {
            long end = System.nanoTime() + 5_000_000_000L;
            while (!stack.ipv6Addresses().isOurs(a.hi(), a.lo())) {
                if (System.nanoTime() > end) {
                    throw new IllegalStateException(a + " did not become usable on " + stack);
                }
                Thread.onSpinWait();
            }
        }

        private static StackConfig config(int addr, Ipv6Address addr6, long mac, long seed) {
            StackConfig c = new StackConfig();
            c.address = addr;
            if (addr6 != null) {
                c.address6 = addr6;
                c.dadTransmits = 0;
            }
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
            return new InetSocketAddress(ipv6 ? NioAddresses.toInet(SERVER6) : NioAddresses.toInet(SERVER), port);
        }

        @Override
        InetAddress clientHost() {
            return ipv6 ? NioAddresses.toInet(CLIENT6) : NioAddresses.toInet(CLIENT);
        }

        @Override
        InetAddress serverHost4() {
            return NioAddresses.toInet(SERVER);
        }

        @Override
        InetAddress clientHost4() {
            return NioAddresses.toInet(CLIENT);
        }

        @Override
        public void close() {
            clientRunner.close();
            serverRunner.close();
        }
    }
}
