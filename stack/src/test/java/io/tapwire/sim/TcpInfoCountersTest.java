package io.tapwire.sim;

import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpInfo;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.TcpSegment;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import static io.tapwire.sim.VirtualNet.B_ADDR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code tcp_info} fields {@code ss -ti} prints beyond the congestion state: segment and byte
 * counts (tcpi_segs_out/in, tcpi_data_segs_out/in, tcpi_bytes_sent/retrans), the MSS trio
 * (mss, advmss, rcvmss), pmtu, ato, minrtt, rcv_space and the Send-Q/Recv-Q byte counts, on two
 * stacks over a virtual wire where every frame is known.
 */
class TcpInfoCountersTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1_000 * MS;

    private static TcpSocket[] connect(VirtualNet net, TcpListener listener) throws Exception {
        TcpSocket client = net.a.connectTcp(B_ADDR, listener.port());
        net.runUntil(() -> client.state() == TcpState.ESTABLISHED, 5 * SEC);
        net.runFor(MS);
        TcpSocket server = listener.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(server, "accepted");
        return new TcpSocket[] {client, server};
    }

    private static void send(VirtualNet net, TcpSocket from, TcpSocket to, int n, boolean read) throws Exception {
        byte[] data = new byte[n];
        byte[] buf = new byte[65536];
        int sent = 0;
        int got = 0;
        long end = net.clock.nanoTime() + 60 * SEC;
        while (read ? got < n : sent < n) {
            if (sent < n) {
                sent += from.tryWrite(data, sent, n - sent);
            }
            net.runFor(MS);
            if (read) {
                int r;
                while ((r = to.tryRead(buf, 0, buf.length)) > 0) {
                    got += r;
                }
            }
            assertTrue(net.clock.nanoTime() < end, "transfer stalled at " + got + " of " + n);
        }
        net.runFor(500 * MS);
    }

    @Test
    void segmentAndByteCountsMatchBothEndsOfALosslessTransfer() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(9, 16);
        TcpSocket[] c = connect(net, l);
        int n = 1_000_000;
        send(net, c[0], c[1], n, true);
        TcpInfo tx = c[0].tcpInfo();
        TcpInfo rx = c[1].tcpInfo();
        assertEquals(n, tx.bytesSent(), "bytes_sent: every payload byte once, no loss");
        assertEquals(0, tx.bytesRetrans());
        assertEquals(n, tx.bytesAcked());
        assertEquals(n, rx.bytesReceived());
        // Nothing lost: each side received exactly the segments the other sent after the handshake
        // (the client's SYN and the server's SYN-ACK count on both ends too).
        assertEquals(tx.segsOut(), rx.segsIn(), "client segs_out = server segs_in");
        assertEquals(rx.segsOut(), tx.segsIn(), "server segs_out = client segs_in");
        assertEquals(tx.dataSegsOut(), rx.dataSegsIn());
        assertTrue(tx.dataSegsOut() >= (n + 1447) / 1448, "at most 1448 bytes a segment: " + tx.dataSegsOut());
        assertEquals(0, rx.dataSegsOut(), "the receiver sent no data");
        assertEquals(1448, tx.sndMss());
        assertEquals(1460, tx.advMss(), "advmss: MTU 1500 - 40");
        assertEquals(1448, rx.rcvMss(), "rcvmss: the largest segment the receiver saw");
        assertEquals(536, tx.rcvMss(), "rcvmss before any data arrived: min(advmss, mss, 536)");
        assertEquals(1500, tx.pmtu());
        assertEquals(40_000, rx.atoMicros(), "ato: tcpDelackNanos, 40 ms, once data arrived");
        assertEquals(0, tx.atoMicros(), "no ato on a side that received no data, as Linux");
        // The virtual wire has no delay, so every sample is 0 here; RttEstimatorTest pins minrtt's values.
        assertTrue(tx.minRttMicros() <= tx.srttMicros(), "minrtt " + tx.minRttMicros() + " <= srtt " + tx.srttMicros());
        assertTrue(rx.rcvSpace() >= 14_480, "rcv_space starts at 10 * advmss: " + rx.rcvSpace());
        assertEquals(0, tx.sendQueue());
        assertEquals(0, rx.recvQueue());
    }

    @Test
    void unreadAndUnackedBytesShowAsRecvQAndSendQ() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(9, 16);
        TcpSocket[] c = connect(net, l);
        send(net, c[0], c[1], 5000, false);
        assertEquals(5000, c[1].tcpInfo().recvQueue(), "Recv-Q: received, not read");
        assertEquals(0, c[0].tcpInfo().sendQueue(), "Send-Q: all acknowledged");
        // Drop everything from A: the written bytes stay unacknowledged in the send queue.
        net.filter = (fromA, frame) -> fromA;
        assertEquals(TcpInfo.TIMER_OFF, c[0].tcpInfo().timer(), "idle: no timer");
        c[0].tryWrite(new byte[3000], 0, 3000);
        net.runFor(10 * MS);
        TcpInfo info = c[0].tcpInfo();
        assertEquals(3000, info.sendQueue());
        assertEquals(TcpInfo.TIMER_ON, info.timer(), "data in flight: the retransmission timer");
        assertTrue(info.timerRemainingMicros() > 0 && info.timerRemainingMicros() <= info.rtoMicros(),
                "fires within the RTO: " + info.timerRemainingMicros() + " of " + info.rtoMicros());
        assertEquals(0, info.timerRetransmits());
        net.runFor(info.rtoMicros() * 1000 + MS);
        assertEquals(1, c[0].tcpInfo().timerRetransmits(), "one timeout so far");
        assertTrue(info.rcvBuf() > 0 && info.sndBuf() > 0);
    }

    @Test
    void retransmittedBytesAreCountedInBytesSentAndBytesRetrans() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(9, 16);
        TcpSocket[] c = connect(net, l);
        // Lose the first data segment from A once.
        boolean[] dropped = {false};
        net.filter = (fromA, frame) -> {
            if (!fromA || dropped[0]) {
                return false;
            }
            ByteBuffer b = ByteBuffer.wrap(frame);
            int ipLen = (b.get(EthernetFrame.HEADER_LENGTH) & 0x0f) * 4;
            int tcpAt = EthernetFrame.HEADER_LENGTH + ipLen;
            int total = b.getShort(EthernetFrame.HEADER_LENGTH + 2) & 0xffff;
            int tcpHeader = ((b.get(tcpAt + 12) >> 4) & 0x0f) * 4;
            if (total - ipLen - tcpHeader > 0) {
                dropped[0] = true;
                return true;
            }
            return false;
        };
        int n = 100_000;
        send(net, c[0], c[1], n, true);
        net.runFor(2 * SEC);
        TcpInfo tx = c[0].tcpInfo();
        assertTrue(dropped[0]);
        assertTrue(tx.bytesRetrans() >= 1448, "the lost segment was sent again: " + tx.bytesRetrans());
        assertEquals(n + tx.bytesRetrans(), tx.bytesSent(), "bytes_sent counts retransmissions too");
        assertEquals(n, c[1].tcpInfo().bytesReceived());
    }
}
