package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.TcpOptions;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.tapwire.sim.StackHarness.PEER;
import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Linux's sk_write_pending in tcp_rcv_synsent_state_process: while a writer waits for the connect
 * to complete, the ACK of the SYN-ACK is saved, scheduled as a delayed ACK of TCP_DELACK_MAX
 * (200 ms), so that the data the writer sends on waking carries it; with no writer waiting it
 * goes at once. A caller that retries instead of blocking declares its wait with
 * {@link TcpSocket#writerWaiting}.
 */
class TcpWritePendingTest {
    private static final long MS = 1_000_000L;
    private static final int SERVER_PORT = 80;
    private static final int SERVER_ISS = 4_000_000;

    private static StackHarness harness() {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 11;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        return h;
    }

    private static void synAck(TcpPeer server, TcpPeer.Seg syn) {
        server.sendWithOptions(syn.srcPort(), SERVER_ISS, syn.seq() + 1, SYN | ACK, 65535, new TcpOptions().setMss(1460), new byte[0]);
    }

    @Test
    void withAWriterWaitingTheSynAcksAckRidesOnItsData() throws Exception {
        StackHarness h = harness();
        TcpPeer server = new TcpPeer(h, SERVER_PORT);
        TcpSocket s = h.stack.connectTcp(PEER, SERVER_PORT, SocketOptions.defaults());
        TcpPeer.Seg syn = server.one();
        s.writerWaiting(true);
        synAck(server, syn);
        assertEquals(TcpState.ESTABLISHED, s.state());
        assertTrue(server.received().isEmpty(), "the ACK is held for the waiting writer's data");

        h.advance(10 * MS);
        s.writerWaiting(false);
        assertEquals(100, s.tryWrite(new byte[100], 0, 100));
        TcpPeer.Seg data = server.one();
        assertEquals(100, data.payload().length);
        assertTrue((data.flags() & ACK) != 0);
        assertEquals(SERVER_ISS + 1, data.ack(), "the data acknowledges the SYN-ACK");
        server.send(syn.srcPort(), SERVER_ISS + 1, data.seq() + 100, ACK, 65535, -1, new byte[0]);
        h.advance(300 * MS);
        assertTrue(server.received().isEmpty(), "nothing more: the delayed ACK was sent with the data");
    }

    @Test
    void aWriterThatDoesNotWriteGetsTheAckAfterTcpDelackMax() throws Exception {
        StackHarness h = harness();
        TcpPeer server = new TcpPeer(h, SERVER_PORT);
        TcpSocket s = h.stack.connectTcp(PEER, SERVER_PORT, SocketOptions.defaults());
        TcpPeer.Seg syn = server.one();
        s.writerWaiting(true);
        synAck(server, syn);
        assertTrue(server.received().isEmpty());
        h.advance(199 * MS);
        assertTrue(server.received().isEmpty(), "held for TCP_DELACK_MAX, 200 ms");
        h.advance(2 * MS);
        TcpPeer.Seg ack = server.one();
        assertEquals(0, ack.payload().length);
        assertEquals(SERVER_ISS + 1, ack.ack());
        s.writerWaiting(false);
    }

    @Test
    void withNoWriterWaitingTheAckGoesAtOnce() throws Exception {
        StackHarness h = harness();
        TcpPeer server = new TcpPeer(h, SERVER_PORT);
        TcpSocket s = h.stack.connectTcp(PEER, SERVER_PORT, SocketOptions.defaults());
        TcpPeer.Seg syn = server.one();
        s.writerWaiting(true);
        s.writerWaiting(false);
        synAck(server, syn);
        List<TcpPeer.Seg> out = server.received();
        assertEquals(1, out.size(), "the ACK of the SYN-ACK: " + out);
        assertEquals(SERVER_ISS + 1, out.get(0).ack());
        assertEquals(0, out.get(0).payload().length);
    }
}
