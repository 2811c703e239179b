package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.event.Events;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.ErrorQueueMessage;
import io.tapwire.tcp.TxTimestamp;
import io.tapwire.tcp.ZerocopyCompletion;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tapwire.tcp.TxTimestamp.OPT_ID;
import static io.tapwire.tcp.TxTimestamp.OPT_ID_TCP;
import static io.tapwire.tcp.TxTimestamp.OPT_TSONLY;
import static io.tapwire.tcp.TxTimestamp.SCM_TSTAMP_ACK;
import static io.tapwire.tcp.TxTimestamp.SCM_TSTAMP_SCHED;
import static io.tapwire.tcp.TxTimestamp.SCM_TSTAMP_SND;
import static io.tapwire.tcp.TxTimestamp.SOFTWARE;
import static io.tapwire.tcp.TxTimestamp.TX_ACK;
import static io.tapwire.tcp.TxTimestamp.TX_SCHED;
import static io.tapwire.tcp.TxTimestamp.TX_SOFTWARE;
import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SO_TIMESTAMPING transmit timestamps of a TCP connection on virtual time, as Linux makes them
 * (tcp_tx_timestamp, __skb_tstamp_tx, tcp_ack_tstamp): the last byte of each write is marked,
 * SCHED and SND come when the segment holding it leaves (again on a retransmission), ACK when the
 * peer acknowledges it; keys count from SND.UNA when OPT_ID was set; the error queue is shared
 * with MSG_ZEROCOPY completions in arrival order; POLLERR while a message waits.
 */
class TcpTxTimestampsTest {
    private static final int PORT = 8080;
    private static final int CLIENT_ISS = 5_000_000;
    private static final long MS = 1_000_000L;
    private static final int ALL = TX_SCHED | TX_SOFTWARE | TX_ACK | SOFTWARE | OPT_ID;

    private record Conn(StackHarness h, TcpSocket s, TcpPeer client, int ourIss) {
        void ack(int bytes) {
            client.send(PORT, CLIENT_ISS + 1, ourIss + 1 + bytes, ACK, 65535, -1, new byte[0]);
        }

        int write(int n) throws java.io.IOException {
            return s.tryWrite(new byte[n], 0, n);
        }
    }

    private static Conn accept(boolean zerocopy) throws Exception {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 23;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        SocketOptions o = SocketOptions.defaults();
        o.settings().zerocopy(zerocopy);
        TcpListener l = h.stack.listenTcp(PORT, 8, o);
        TcpPeer client = new TcpPeer(h, PORT);
        client.send(PORT, CLIENT_ISS, 0, SYN, 65535, 1460, new byte[0]);
        TcpPeer.Seg synAck = client.one();
        client.send(PORT, CLIENT_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s);
        return new Conn(h, s, client, synAck.seq());
    }

    private static TxTimestamp ts(int type, int key, long at) {
        return new TxTimestamp(type, key, at, true);
    }

    @Test
    void eachWritesLastByteIsStampedWhenSentAndWhenAcknowledged() throws Exception {
        Conn c = accept(false);
        c.s.setTimestamping(ALL);
        assertEquals(ALL, c.s.timestamping());
        long t0 = c.h.now;
        assertEquals(2000, c.write(2000));
        assertEquals(2000, c.write(2000));
        assertEquals(4000, c.client.received().stream().mapToInt(x -> x.payload().length).sum(), "both writes sent at once");
        assertTrue((c.s.readiness() & Events.ERR) != 0, "POLLERR while the error queue holds a message");
        assertEquals(ts(SCM_TSTAMP_SCHED, 1999, t0), c.s.pollErrorMessage());
        assertEquals(ts(SCM_TSTAMP_SND, 1999, t0), c.s.pollErrorMessage());
        assertEquals(ts(SCM_TSTAMP_SCHED, 3999, t0), c.s.pollErrorMessage());
        assertEquals(ts(SCM_TSTAMP_SND, 3999, t0), c.s.pollErrorMessage());
        assertNull(c.s.pollErrorMessage());
        assertEquals(0, c.s.readiness() & Events.ERR);

        c.h.advance(10 * MS);
        c.ack(1999);
        assertNull(c.s.pollErrorMessage(), "byte 1999 is not acknowledged by an ACK of 1999 bytes less one");
        c.ack(2000);
        long t1 = c.h.now;
        assertEquals(ts(SCM_TSTAMP_ACK, 1999, t1), c.s.pollErrorMessage());
        c.h.advance(10 * MS);
        c.ack(4000);
        assertEquals(ts(SCM_TSTAMP_ACK, 3999, c.h.now), c.s.pollErrorMessage());
        assertNull(c.s.pollErrorMessage());
    }

    @Test
    void keysCountFromSndUnaWhenOptIdWasSetAndARetransmissionIsStampedAgain() throws Exception {
        Conn c = accept(false);
        c.s.setNoDelay(true);   // the second write leaves at once, with the first unacknowledged
        c.write(1000);
        c.client.received();
        c.s.setTimestamping(ALL);   // 1000 bytes in flight: key 0 is SND.UNA, the first of them
        c.write(500);
        c.client.received();
        assertEquals(ts(SCM_TSTAMP_SCHED, 1499, c.h.now), c.s.pollErrorMessage(), "SND.UNA + 1499 is the write's last byte");
        assertEquals(ts(SCM_TSTAMP_SND, 1499, c.h.now), c.s.pollErrorMessage());
        c.s.setTimestamping(ALL);   // OPT_ID already set: the base stays
        c.ack(1000);
        assertNull(c.s.pollErrorMessage(), "the first write was not marked");
        // No ACK for the rest: the retransmission timeout resends it, with the mark.
        long before = c.h.now;
        TxTimestamp again = null;
        for (int i = 0; i < 50 && again == null; i++) {
            c.h.advance(100 * MS);
            ErrorQueueMessage m = c.s.pollErrorMessage();
            again = (TxTimestamp) m;
        }
        if (again == null) {
            org.junit.jupiter.api.Assertions.fail("gave up waiting: no timestamp for the retransmission");
        }
        assertEquals(SCM_TSTAMP_SCHED, again.type());
        assertEquals(1499, again.key());
        assertTrue(again.softwareNanos() > before, "stamped at the retransmission");
        assertEquals(SCM_TSTAMP_SND, ((TxTimestamp) c.s.pollErrorMessage()).type());
    }

    @Test
    void optIdTcpCountsFromTheNextByteToWrite() throws Exception {
        Conn c = accept(false);
        c.s.setNoDelay(true);
        c.write(1000);
        c.client.received();
        c.s.setTimestamping(TX_SOFTWARE | SOFTWARE | OPT_ID | OPT_ID_TCP);
        c.write(10);
        c.client.received();
        assertEquals(ts(SCM_TSTAMP_SND, 9, c.h.now), c.s.pollErrorMessage(), "write_seq was key 0");
        assertNull(c.s.pollErrorMessage(), "only SND was asked for");
    }

    @Test
    void withoutOptIdSoftwareOrWithTsonlyTheMessageSaysLess() throws Exception {
        Conn c = accept(false);
        c.s.setTimestamping(TX_SOFTWARE);
        c.write(10);
        c.client.received();
        assertEquals(new TxTimestamp(SCM_TSTAMP_SND, 0, -1, true), c.s.pollErrorMessage(),
                "no OPT_ID: key 0; no SOFTWARE: no time reported");
        c.s.setTimestamping(TX_ACK | OPT_TSONLY | SOFTWARE);
        c.ack(10);
        assertNull(c.s.pollErrorMessage(), "the earlier write was marked for SND only");
        c.write(10);
        c.client.received();
        c.ack(20);
        assertEquals(new TxTimestamp(SCM_TSTAMP_ACK, 0, c.h.now, false), c.s.pollErrorMessage(), "OPT_TSONLY: no packet");
        c.s.setTimestamping(0);
        c.write(10);
        c.client.received();
        c.ack(30);
        assertNull(c.s.pollErrorMessage(), "timestamping off: nothing marked");
    }

    @Test
    void linuxsEinvalCases() throws Exception {
        Conn c = accept(false);
        assertThrows(IllegalArgumentException.class, () -> c.s.setTimestamping(1 << 20), "an unknown flag");
        assertThrows(IllegalArgumentException.class, () -> c.s.setTimestamping(OPT_ID_TCP), "OPT_ID_TCP without OPT_ID");
        assertThrows(IllegalArgumentException.class, () -> c.s.setTimestamping(TxTimestamp.BIND_PHC), "no PTP clock");
        c.s.abort();
        c.h.advance(MS);
        assertEquals(io.tapwire.tcp.TcpState.CLOSED, c.s.state());
        assertThrows(IllegalArgumentException.class, () -> c.s.setTimestamping(OPT_ID), "OPT_ID on a closed connection");
    }

    @Test
    void zerocopyCompletionsAndTimestampsShareOneQueueInOrder() throws Exception {
        Conn c = accept(true);
        c.s.tryWriteZerocopy(new byte[100], 0, 100);
        c.client.received();
        c.ack(100);                                   // completion 0
        c.s.setTimestamping(TX_ACK | SOFTWARE | OPT_ID);
        c.s.tryWriteZerocopy(new byte[100], 0, 100);
        c.client.received();
        c.ack(200);                                   // completion 1 (after the ACK timestamp)
        List<ErrorQueueMessage> read = new java.util.ArrayList<>();
        for (ErrorQueueMessage m = c.s.pollErrorMessage(); m != null; m = c.s.pollErrorMessage()) {
            read.add(m);
        }
        // Linux's tcp_clean_rtx_queue stamps the ACK before freeing the skb completes its zerocopy
        // send; completion 1 then cannot merge into the unread completion 0 across the timestamp
        // (skb_zerocopy_notify_extend extends only the tail of the error queue).
        assertEquals(List.of(new ZerocopyCompletion(0, 0, true), new TxTimestamp(SCM_TSTAMP_ACK, 99, c.h.now, true),
                new ZerocopyCompletion(1, 1, true)), read);
    }
}
