package io.tapwire.nio;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** DatagramChannel, pipes and the socket adaptors (see {@link ChannelSemanticsSuite}). */
abstract class DatagramPipeAdaptorCases extends ChannelSemanticsSuite {
    // ------------------------------------------------------------------ datagrams

    java.nio.channels.DatagramChannel udp(boolean server) throws IOException {
        java.nio.channels.DatagramChannel d = track((server ? world.serverProvider() : world.clientProvider()).openDatagramChannel());
        d.bind(server ? world.bindAddress(0) : null);
        return d;
    }

    @Test
    void datagramsKeepTheirBoundariesAndSource() throws Exception {
        java.nio.channels.DatagramChannel s = udp(true);
        java.nio.channels.DatagramChannel c = udp(false);
        int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        assertEquals(3, c.send(bytes("one"), world.serverAddress(port)));
        assertEquals(5, c.send(bytes("three"), world.serverAddress(port)));
        ByteBuffer b = ByteBuffer.allocate(100);
        InetSocketAddress from = (InetSocketAddress) s.receive(b);
        assertEquals("one", new String(b.array(), 0, b.position()));
        assertEquals(((InetSocketAddress) c.getLocalAddress()).getPort(), from.getPort());
        assertEquals(world.clientHost(), from.getAddress());
        b.clear();
        s.receive(b);
        assertEquals("three", new String(b.array(), 0, b.position()));
    }

    @Test
    void aDatagramLongerThanTheBufferIsTruncated() throws Exception {
        java.nio.channels.DatagramChannel s = udp(true);
        java.nio.channels.DatagramChannel c = udp(false);
        int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        c.send(bytes("abcdefgh"), world.serverAddress(port));
        c.send(bytes("next"), world.serverAddress(port));
        ByteBuffer small = ByteBuffer.allocate(3);
        assertNotNull(s.receive(small));
        assertEquals("abc", new String(small.array()));
        ByteBuffer b = ByteBuffer.allocate(10);
        s.receive(b);
        assertEquals("next", new String(b.array(), 0, b.position()), "the rest of the long datagram is gone");
    }

    @Test
    void connectedDatagramChannelReadsAndWrites() throws Exception {
        java.nio.channels.DatagramChannel s = udp(true);
        java.nio.channels.DatagramChannel c = udp(false);
        assertThrows(NotYetConnectedException.class, () -> c.write(bytes("x")));
        int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        c.connect(world.serverAddress(port));
        assertTrue(c.isConnected());
        assertEquals(world.serverAddress(port), c.getRemoteAddress());
        assertEquals(4, c.write(new ByteBuffer[] {bytes("ga"), bytes("th")}));
        ByteBuffer b = ByteBuffer.allocate(10);
        InetSocketAddress from = (InetSocketAddress) s.receive(b);
        assertEquals("gath", new String(b.array(), 0, b.position()));
        s.send(bytes("reply"), from);
        ByteBuffer r = ByteBuffer.allocate(10);
        assertEquals(5, c.read(r));
        c.disconnect();
        assertFalse(c.isConnected());
        assertNull(c.getRemoteAddress());
    }

    @Test
    void aConnectedDatagramChannelReportsPortUnreachable() throws Exception {
        int port;
        try (java.nio.channels.DatagramChannel gone = world.serverProvider().openDatagramChannel()) {
            gone.bind(world.bindAddress(0));
            port = ((InetSocketAddress) gone.getLocalAddress()).getPort();
        }
        java.nio.channels.DatagramChannel c = udp(false);
        c.connect(world.serverAddress(port));
        c.write(bytes("anyone?"));
        c.configureBlocking(false);
        long end = System.nanoTime() + WAIT_MS * 1_000_000;
        while (true) {
            try {
                c.read(ByteBuffer.allocate(10));
            } catch (java.net.PortUnreachableException expected) {
                break;
            }
            if (System.nanoTime() > end) {
                fail("gave up waiting: no PortUnreachableException");
            }
            Thread.sleep(5);
        }
        assertTrue(c.isOpen(), "the channel stays usable");
    }

    @Test
    void datagramSocketAdaptorSendsReceivesAndTimesOut() throws Exception {
        java.nio.channels.DatagramChannel s = udp(true);
        java.nio.channels.DatagramChannel c = udp(false);
        java.net.DatagramSocket ss = s.socket();
        java.net.DatagramSocket cs = c.socket();
        assertSame(ss, s.socket(), "one adaptor per channel");
        assertSame(s, ss.getChannel());
        assertTrue(ss.isBound());
        int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        assertEquals(port, ss.getLocalPort());
        ss.setSoTimeout(100);
        assertEquals(100, ss.getSoTimeout());
        java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[64], 64);
        java.net.SocketTimeoutException e = assertThrows(java.net.SocketTimeoutException.class, () -> ss.receive(in));
        assertEquals("Receive timed out", e.getMessage());
        byte[] msg = "adaptor".getBytes();
        cs.send(new java.net.DatagramPacket(msg, msg.length, world.serverAddress(port)));
        ss.setSoTimeout((int) WAIT_MS);
        ss.receive(in);
        assertEquals("adaptor", new String(in.getData(), 0, in.getLength()));
        assertEquals(cs.getLocalPort(), in.getPort());
        assertEquals(world.clientHost(), in.getAddress());
        cs.setBroadcast(true);
        assertTrue(cs.getBroadcast());
        cs.connect(world.serverAddress(port));
        assertTrue(cs.isConnected());
        assertEquals(port, cs.getPort());
        cs.close();
        assertTrue(cs.isClosed());
        assertFalse(c.isOpen());
    }

    @Test
    void datagramSocketAdaptorFillsAPacketUpToItsBufferLength() throws Exception {
        java.nio.channels.DatagramChannel s = udp(true);
        java.nio.channels.DatagramChannel c = udp(false);
        java.net.DatagramSocket ss = s.socket();
        ss.setSoTimeout((int) WAIT_MS);
        InetSocketAddress to = world.serverAddress(((InetSocketAddress) s.getLocalAddress()).getPort());
        // A packet shorter than its array: no byte outside [offset, offset + length) is written.
        byte[] buf = new byte[30];
        java.net.DatagramPacket p = new java.net.DatagramPacket(buf, 10, 5);
        c.send(bytes("0123456789"), to);
        ss.receive(p);
        assertEquals("01234", new String(buf, 10, p.getLength()));
        assertEquals(new String(new byte[15]), new String(buf, 15, 15), "nothing past the packet's length");
        // Reused in a loop: a short datagram does not shrink what the next receive can take.
        java.net.DatagramPacket q = new java.net.DatagramPacket(new byte[64], 64);
        c.send(bytes("ab"), to);
        ss.receive(q);
        assertEquals(2, q.getLength());
        c.send(bytes("abcdefgh"), to);
        ss.receive(q);
        assertEquals("abcdefgh", new String(q.getData(), 0, q.getLength()));
    }

    @Test
    void nonBlockingDatagramReceiveAndSelection() throws Exception {
        java.nio.channels.DatagramChannel s = udp(true);
        java.nio.channels.DatagramChannel c = udp(false);
        s.configureBlocking(false);
        assertNull(s.receive(ByteBuffer.allocate(10)), "nothing queued");
        Selector sel = openSelector(true);
        SelectionKey k = s.register(sel, SelectionKey.OP_READ);
        assertEquals(0, sel.selectNow());
        c.send(bytes("hi"), world.serverAddress(((InetSocketAddress) s.getLocalAddress()).getPort()));
        selectUntil(sel, k, SelectionKey.OP_READ);
        ByteBuffer b = ByteBuffer.allocate(10);
        assertNotNull(s.receive(b));
        assertEquals("hi", new String(b.array(), 0, b.position()));
        assertThrows(AlreadyBoundException.class, () -> s.bind(null));
    }

    // ------------------------------------------------------------------ datagram families (IPv6 worlds)

    private static InetAddress mapped(InetAddress v4) throws java.net.UnknownHostException {
        byte[] b = new byte[16];
        b[10] = (byte) 0xFF;
        b[11] = (byte) 0xFF;
        System.arraycopy(v4.getAddress(), 0, b, 12, 4);
        // Inet6Address.getByAddress keeps the IPv4-mapped form (InetAddress.getByAddress would not).
        return java.net.Inet6Address.getByAddress(null, b, -1);
    }

    private static String text(ByteBuffer b) {
        return new String(b.array(), 0, b.position(), java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Test
    void inet6ChannelsBoundToAnIpv6AddressExchangeDatagrams() throws Exception {
        assumeTrue(world.isIpv6(), "an IPv6 world");
        java.nio.channels.DatagramChannel s = track(world.serverProvider().openDatagramChannel(StandardProtocolFamily.INET6));
        s.bind(world.serverAddress(0));
        int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        assertEquals(world.serverAddress(port), s.getLocalAddress(), "bound to the server's IPv6 address");
        java.nio.channels.DatagramChannel c = track(world.clientProvider().openDatagramChannel(StandardProtocolFamily.INET6));
        assertEquals(4, c.send(bytes("ping"), world.serverAddress(port)));
        ByteBuffer b = ByteBuffer.allocate(10);
        InetSocketAddress from = (InetSocketAddress) s.receive(b);
        assertEquals("ping", text(b));
        assertInstanceOf(java.net.Inet6Address.class, from.getAddress());
        assertEquals(world.clientHost(), from.getAddress());
        assertEquals(((InetSocketAddress) c.getLocalAddress()).getPort(), from.getPort());
        s.send(bytes("pong"), from);
        b.clear();
        assertEquals(world.serverAddress(port), c.receive(b));
        assertEquals("pong", text(b));
    }

    @Test
    void anInet6ChannelOnTheWildcardReportsTheIpv6Wildcard() throws Exception {
        assumeTrue(world.isIpv6(), "an IPv6 world");
        java.nio.channels.DatagramChannel d = track(world.clientProvider().openDatagramChannel(StandardProtocolFamily.INET6));
        d.bind(new InetSocketAddress(0));
        InetSocketAddress local = (InetSocketAddress) d.getLocalAddress();
        assertEquals(InetAddress.getByName("::"), local.getAddress(), "an IPv6 socket bound to in6addr_any");
        java.nio.channels.DatagramChannel v4 = track(world.clientProvider().openDatagramChannel(StandardProtocolFamily.INET));
        v4.bind(null);
        assertEquals(InetAddress.getByName("0.0.0.0"), ((InetSocketAddress) v4.getLocalAddress()).getAddress());
    }

    @Test
    void aDualStackChannelReachesAnIpv4PeerThroughAMappedAddress() throws Exception {
        assumeTrue(world.isIpv6(), "an IPv6 world");
        java.nio.channels.DatagramChannel s = track(world.serverProvider().openDatagramChannel());
        s.bind(new InetSocketAddress(0));
        int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        java.nio.channels.DatagramChannel c = track(world.clientProvider().openDatagramChannel(StandardProtocolFamily.INET6));
        c.send(bytes("via v4"), new InetSocketAddress(mapped(world.serverHost4()), port));
        ByteBuffer b = ByteBuffer.allocate(10);
        InetSocketAddress from = (InetSocketAddress) s.receive(b);
        assertEquals("via v4", text(b));
        assertEquals(world.clientHost4(), from.getAddress(), "an IPv4 source is reported as an Inet4Address");
        s.send(bytes("back"), from);
        b.clear();
        InetSocketAddress replyFrom = (InetSocketAddress) c.receive(b);
        assertEquals("back", text(b));
        assertEquals(new InetSocketAddress(world.serverHost4(), port), replyFrom);
    }

    @Test
    void aChannelBoundToAnIpv6AddressTakesNoIpv4Datagrams() throws Exception {
        assumeTrue(world.isIpv6(), "an IPv6 world");
        java.nio.channels.DatagramChannel s = track(world.serverProvider().openDatagramChannel(StandardProtocolFamily.INET6));
        s.bind(world.serverAddress(0));
        int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        java.nio.channels.DatagramChannel c = track(world.clientProvider().openDatagramChannel());
        // One IPv4 exchange first, so the IPv4 datagram below is not held back by address
        // resolution and reaches the server before the IPv6 one.
        java.nio.channels.DatagramChannel warm = track(world.serverProvider().openDatagramChannel(StandardProtocolFamily.INET));
        warm.bind(new InetSocketAddress(0));
        c.send(bytes("warm"), new InetSocketAddress(world.serverHost4(), ((InetSocketAddress) warm.getLocalAddress()).getPort()));
        warm.receive(ByteBuffer.allocate(10));
        c.send(bytes("v4"), new InetSocketAddress(world.serverHost4(), port));
        c.send(bytes("v6"), world.serverAddress(port));
        ByteBuffer b = ByteBuffer.allocate(10);
        s.receive(b);
        assertEquals("v6", text(b), "the IPv4 datagram is not for a socket bound to an IPv6 address");
    }

    @Test
    void anInetChannelTakesNoIpv6DatagramsAndRefusesIpv6Addresses() throws Exception {
        assumeTrue(world.isIpv6(), "an IPv6 world");
        java.nio.channels.DatagramChannel s = track(world.serverProvider().openDatagramChannel(StandardProtocolFamily.INET));
        s.bind(new InetSocketAddress(0));
        int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        java.nio.channels.DatagramChannel c = track(world.clientProvider().openDatagramChannel());
        c.send(bytes("v6"), world.serverAddress(port));
        c.send(bytes("v4"), new InetSocketAddress(world.serverHost4(), port));
        ByteBuffer b = ByteBuffer.allocate(10);
        InetSocketAddress from = (InetSocketAddress) s.receive(b);
        assertEquals("v4", text(b), "an IPv4 socket never sees IPv6 datagrams");
        assertEquals(world.clientHost4(), from.getAddress());
        java.nio.channels.DatagramChannel v4 = track(world.clientProvider().openDatagramChannel(StandardProtocolFamily.INET));
        assertThrows(java.nio.channels.UnsupportedAddressTypeException.class, () -> v4.send(bytes("x"), world.serverAddress(port)));
        assertThrows(java.nio.channels.UnsupportedAddressTypeException.class, () -> v4.connect(world.serverAddress(port)));
        assertThrows(java.nio.channels.UnsupportedAddressTypeException.class, () -> v4.bind(new InetSocketAddress(world.clientHost(), 0)));
    }

    // ------------------------------------------------------------------ socket adaptors

    @Test
    void socketAdaptorStreamsOptionsAndAddresses() throws Exception {
        SocketChannel[] p = pair();
        java.net.Socket cs = p[0].socket();
        java.net.Socket as = p[1].socket();
        assertSame(cs, p[0].socket(), "one adaptor per channel");
        assertSame(p[0], cs.getChannel());
        assertTrue(cs.isConnected());
        assertTrue(cs.isBound());
        assertFalse(cs.isClosed());
        assertEquals(as.getLocalPort(), cs.getPort());
        assertEquals(cs.getLocalPort(), as.getPort());
        assertEquals(world.clientHost(), as.getInetAddress());
        cs.getOutputStream().write("stream".getBytes());
        byte[] b = new byte[6];
        int n = 0;
        while (n < 6) {
            n += as.getInputStream().read(b, n, 6 - n);
        }
        assertEquals("stream", new String(b));
        cs.setTcpNoDelay(true);
        assertTrue(cs.getTcpNoDelay());
        assertTrue(p[0].getOption(StandardSocketOptions.TCP_NODELAY), "the adaptor sets the channel's option");
        cs.setKeepAlive(true);
        assertTrue(cs.getKeepAlive());
        cs.setSoLinger(true, 3);
        assertEquals(3, cs.getSoLinger());
        cs.setSoLinger(false, 0);
        assertEquals(-1, cs.getSoLinger());
        cs.shutdownOutput();
        assertTrue(cs.isOutputShutdown());
        assertEquals(-1, as.getInputStream().read());
        java.net.SocketException e = assertThrows(java.net.SocketException.class, cs::getOutputStream);
        assertEquals("Socket output is shutdown", e.getMessage());
        cs.close();
        assertTrue(cs.isClosed());
        assertFalse(p[0].isOpen(), "closing the adaptor closes the channel");
        e = assertThrows(java.net.SocketException.class, cs::getInputStream);
        assertEquals("Socket is closed", e.getMessage());
    }

    @Test
    void socketAdaptorReadTimesOutWithSoTimeout() throws Exception {
        SocketChannel[] p = pair();
        java.net.Socket cs = p[0].socket();
        cs.setSoTimeout(100);
        assertEquals(100, cs.getSoTimeout());
        java.net.SocketTimeoutException e = assertThrows(java.net.SocketTimeoutException.class, () -> cs.getInputStream().read());
        assertEquals("Read timed out", e.getMessage());
        assertFalse(cs.isClosed(), "a read timeout leaves the socket usable");
        p[1].write(bytes("z"));
        assertEquals('z', cs.getInputStream().read());
    }

    @Test
    void socketAdaptorStreamsNeedBlockingMode() throws Exception {
        SocketChannel[] p = pair();
        p[0].configureBlocking(false);
        java.io.InputStream in = p[0].socket().getInputStream();
        assertThrows(IllegalBlockingModeException.class, in::read);
    }

    @Test
    void socketAdaptorConnectsWithATimeoutAndReportsRefusal() throws Exception {
        ServerSocketChannel l = listen();
        SocketChannel c = openClient();
        java.net.Socket s = c.socket();
        assertFalse(s.isConnected());
        assertEquals(0, s.getPort());
        s.connect(addressOf(l), 5000);
        assertTrue(s.isConnected());
        assertTrue(c.isConnected());
        assertTrue(c.isBlocking(), "connect with a timeout leaves the channel blocking");
        int port = world.closedPort();
        java.net.Socket r = openClient().socket();
        java.net.ConnectException e = assertThrows(java.net.ConnectException.class, () -> r.connect(world.serverAddress(port), 5000));
        assertEquals("Connection refused", e.getMessage());
        assertTrue(r.isClosed());
    }

    @Test
    void serverSocketAdaptorBindsAndAcceptsWithSoTimeout() throws Exception {
        ServerSocketChannel l = track(world.serverProvider().openServerSocketChannel());
        java.net.ServerSocket ss = l.socket();
        assertSame(ss, l.socket());
        assertFalse(ss.isBound());
        assertEquals(-1, ss.getLocalPort());
        ss.bind(world.bindAddress(0), 10);
        assertTrue(ss.isBound());
        assertEquals(((InetSocketAddress) l.getLocalAddress()).getPort(), ss.getLocalPort());
        ss.setSoTimeout(100);
        java.net.SocketTimeoutException e = assertThrows(java.net.SocketTimeoutException.class, ss::accept);
        assertEquals("Accept timed out", e.getMessage());
        SocketChannel c = openClient();
        c.connect(world.serverAddress(ss.getLocalPort()));
        ss.setSoTimeout(0);
        java.net.Socket a = track(ss.accept());
        assertTrue(a.isConnected());
        assertNotNull(a.getChannel());
        assertEquals(((InetSocketAddress) c.getLocalAddress()).getPort(), a.getPort());
        ss.setReuseAddress(true);
        assertTrue(ss.getReuseAddress());
        ss.close();
        assertTrue(ss.isClosed());
        assertFalse(l.isOpen());
    }

    // ------------------------------------------------------------------ pipes

    @Test
    void pipeCarriesBytesAndReportsEndOfStream() throws Exception {
        java.nio.channels.Pipe p = world.clientProvider().openPipe();
        track(p.source());
        track(p.sink());
        assertEquals(8, p.sink().write(new ByteBuffer[] {bytes("pi"), bytes("pe-end")}, 0, 2));
        ByteBuffer[] in = {ByteBuffer.allocate(3), ByteBuffer.allocate(10)};
        long n = 0;
        while (n < 8) {
            n += p.source().read(in);
        }
        assertEquals("pip", new String(in[0].array()));
        assertEquals("e-end", new String(in[1].array(), 0, in[1].position()));
        p.source().configureBlocking(false);
        assertEquals(0, p.source().read(ByteBuffer.allocate(4)), "nothing to read");
        p.sink().close();
        assertEquals(-1, p.source().read(ByteBuffer.allocate(4)), "the sink is closed: end of stream");
    }

    @Test
    void writingToAPipeWhoseSourceIsClosedIsBrokenPipe() throws Exception {
        java.nio.channels.Pipe p = world.clientProvider().openPipe();
        track(p.sink());
        p.source().close();
        IOException e = assertThrows(IOException.class, () -> p.sink().write(bytes("x")));
        assertEquals("Broken pipe", e.getMessage());
    }

    @Test
    void pipeEndsAreSelectable() throws Exception {
        java.nio.channels.Pipe p = world.clientProvider().openPipe();
        track(p.source());
        track(p.sink());
        p.source().configureBlocking(false);
        p.sink().configureBlocking(false);
        Selector sel = openSelector(false);
        SelectionKey rk = p.source().register(sel, SelectionKey.OP_READ);
        assertEquals(0, sel.selectNow(), "nothing written yet");
        SelectionKey wk = p.sink().register(sel, SelectionKey.OP_WRITE);
        selectUntil(sel, wk, SelectionKey.OP_WRITE);
        assertFalse(sel.selectedKeys().contains(rk));
        sel.selectedKeys().clear();
        wk.interestOps(0);
        // A select blocked in another thread wakes when the pipe gets data.
        AtomicReference<Integer> selectedNow = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                selectedNow.set(sel.select(WAIT_MS));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        t.start();
        Thread.sleep(100);
        p.sink().write(bytes("wake"));
        t.join(WAIT_MS);
        assertFalse(t.isAlive(), "select was not woken by the pipe");
        assertEquals(1, selectedNow.get());
        assertTrue(rk.isReadable());
        // Filling the pipe takes away OP_WRITE.
        ByteBuffer big = ByteBuffer.allocate(1 << 20);
        long filled = 0;
        int w;
        while ((w = p.sink().write(big)) > 0) {
            filled += w;
        }
        assertTrue(filled > 0 && filled < (1 << 20), "a pipe holds a bounded amount: " + filled);
        sel.selectedKeys().clear();
        wk.interestOps(SelectionKey.OP_WRITE);
        sel.selectNow();
        assertFalse(sel.selectedKeys().contains(wk), "a full pipe is not writable");
    }
}
