package io.tapwire.sim;

import io.tapwire.link.LinkOffloads;
import io.tapwire.nio.TapwireSelectorProvider;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpInfo;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.Test;

import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Connections on a link with a 65521-byte MTU get buffers of 20 such segments unless SO_RCVBUF or
 * SO_SNDBUF says otherwise ({@link io.tapwire.DefaultBuffers}); a 1500-byte link with offloads
 * keeps the defaults; the window scale follows the buffer.
 */
class LinkSizedBuffersTest {
    private static final long MS = 1_000_000L;
    private static final LinkOffloads TSO = new LinkOffloads(true, true, 65535);
    private static final int LARGE_MTU = 65521;
    private static final int LARGE_BUFFER = 20 * (LARGE_MTU - 40);

    @Test
    void bothEndsOnTheLargeMtuLinkGetTwentySegmentsThoseOnTheOffloadLinkTheDefaults() throws Exception {
        VirtualNet net = VirtualNet.withMtus(LARGE_MTU, 1500, LinkOffloads.NONE, TSO, c -> { }, c -> { });
        TcpListener onOffload = net.b.listenTcp(9, 16);
        TcpSocket[] ab = connect(net, net.a.connectTcp(VirtualNet.B_ADDR, 9), onOffload);
        TcpInfo a = ab[0].tcpInfo();
        assertEquals(LARGE_BUFFER, a.rcvBuf(), "receive buffer of the connecting end on the 65521-byte link");
        assertEquals(LARGE_BUFFER, a.sndBuf(), "send buffer of the connecting end on the 65521-byte link");
        assertEquals(5, a.rcvWscale(), "the shift that advertises 1.3 MB (RFC 7323 2.3)");
        TcpInfo b = ab[1].tcpInfo();
        assertEquals(131072, b.rcvBuf(), "64 KB super-frames (TSO/GRO) do not count: a 1500-byte link keeps tcp_rmem's default");
        assertEquals(262144, b.sndBuf(), "and the send default");
        assertEquals(2, b.rcvWscale());
        assertEquals(5, b.sndWscale(), "B sees A's shift");

        // The accepting end on the large-MTU link too.
        TcpListener onLarge = net.a.listenTcp(10, 16);
        TcpSocket[] ba = connect(net, net.b.connectTcp(VirtualNet.A_ADDR, 10), onLarge);
        assertEquals(LARGE_BUFFER, ba[1].tcpInfo().rcvBuf(), "accepted on the 65521-byte link");
        assertEquals(LARGE_BUFFER, ba[1].tcpInfo().sndBuf(), "accepted on the 65521-byte link");
    }

    @Test
    void soRcvbufAndSoSndbufStillDecide() throws Exception {
        VirtualNet net = VirtualNet.withMtus(LARGE_MTU, 1500, LinkOffloads.NONE, TSO, c -> { }, c -> { });
        TcpListener l = net.b.listenTcp(9, 16);
        SocketOptions set = SocketOptions.defaults().receiveBufferSize(65536).sendBufferSize(98304);
        TcpSocket[] ab = connect(net, net.a.connectTcp(VirtualNet.B_ADDR, 9, set), l);
        TcpInfo a = ab[0].tcpInfo();
        assertEquals(65536, a.rcvBuf(), "SO_RCVBUF as set");
        assertEquals(98304, a.sndBuf(), "SO_SNDBUF as set");
        assertEquals(1, a.rcvWscale(), "the shift for 64 KiB");
    }

    @Test
    void nioChannelsReportTheLinkSizedDefaults() throws Exception {
        VirtualNet net = VirtualNet.withMtus(LARGE_MTU, 1500, LinkOffloads.NONE, TSO, c -> { }, c -> { });
        try (SocketChannel onLarge = new TapwireSelectorProvider(net.a).openSocketChannel();
             SocketChannel onOffload = new TapwireSelectorProvider(net.b).openSocketChannel()) {
            assertEquals(LARGE_BUFFER, onLarge.getOption(StandardSocketOptions.SO_RCVBUF));
            assertEquals(LARGE_BUFFER, onLarge.getOption(StandardSocketOptions.SO_SNDBUF));
            assertEquals(131072, onOffload.getOption(StandardSocketOptions.SO_RCVBUF));
            assertEquals(262144, onOffload.getOption(StandardSocketOptions.SO_SNDBUF));
            assertEquals(LARGE_BUFFER, onLarge.socket().getReceiveBufferSize(), "the socket adaptor agrees");
        }
    }

    private static TcpSocket[] connect(VirtualNet net, TcpSocket client, TcpListener listener) throws Exception {
        net.runUntil(() -> client.state() == TcpState.ESTABLISHED, 5_000 * MS);
        net.runFor(MS);
        TcpSocket server = listener.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(server, "accepted");
        return new TcpSocket[] {client, server};
    }
}
