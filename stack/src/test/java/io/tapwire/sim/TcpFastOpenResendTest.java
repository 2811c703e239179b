package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpInfo;
import io.tapwire.wire.TcpOptions;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.tapwire.sim.StackHarness.PEER;
import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.PSH;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fast Open SYN data the SYN-ACK does not (wholly) acknowledge, resent as Linux's
 * tcp_rcv_fastopen_synack resends it: the data skb marked lost and retransmitted at once, as the
 * skb it is (ACK|PSH, ending where the SYN's data ended, cut to the SYN-ACK's MSS), before new
 * data; a retransmission, so its segments count in tcpi_retrans (retrans_out) until acknowledged
 * and in tcpi_total_retrans.
 */
class TcpFastOpenResendTest {
    private static final int SERVER_PORT = 80;
    private static final int SERVER_ISS = 3_000_000;
    private static final byte[] COOKIE = {9, 8, 7, 6, 5, 4, 3, 2};
    private static final long MS = 1_000_000L;

    private static StackHarness harness() {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 5;
        c.tcpFastopen = 0x1;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        return h;
    }

    private static TcpSocket connect(StackHarness h) {
        return h.stack.connectTcp(PEER, SERVER_PORT, SocketOptions.defaults().fastOpenConnect(true));
    }

    private static void synAck(TcpPeer server, TcpPeer.Seg syn, int acked, int mss, byte[] cookie) {
        TcpOptions o = new TcpOptions().setMss(mss).setSackPermitted(true);
        if (cookie != null) {
            o.setFastOpen(cookie, cookie.length, false);
        }
        server.sendWithOptions(syn.srcPort(), SERVER_ISS, syn.seq() + 1 + acked, SYN | ACK, 65535, o, new byte[0]);
    }

    /** A first connection that learns {@link #COOKIE}, then is aborted. */
    private static void learnCookie(StackHarness h, TcpPeer server) throws Exception {
        TcpSocket s = connect(h);
        s.tryWrite(new byte[10], 0, 10);
        synAck(server, server.one(), 0, 1460, COOKIE);
        server.received();
        s.abort();
        server.received();
    }

    @Test
    void aPartlyAcknowledgedSynDataIsResentAsRetransmissionsCountedInRetransOut() throws Exception {
        StackHarness h = harness();
        TcpPeer server = new TcpPeer(h, SERVER_PORT);
        learnCookie(h, server);
        TcpSocket s = connect(h);
        assertEquals(1400, s.tryWrite(new byte[1400], 0, 1400));
        TcpPeer.Seg syn = server.one();
        assertEquals(1400, syn.payload().length);
        long retransBefore = h.stack.statistics().get(Stat.TCP_RETRANS_SEGS);

        // The server takes 100 bytes and lowers the MSS to 1000: 1300 bytes go again, two segments.
        synAck(server, syn, 100, 1000, null);
        List<TcpPeer.Seg> out = server.received();
        int resent = 0;
        for (TcpPeer.Seg seg : out) {
            resent += seg.payload().length;
        }
        assertEquals(1300, resent, "the rest of the SYN's data, nothing more: " + out);
        assertEquals(syn.seq() + 101, out.get(0).seq());
        assertTrue((out.get(out.size() - 1).flags() & PSH) != 0, "the SYN data's end carries PSH, as its skb did");
        TcpInfo info = s.tcpInfo();
        assertEquals(2, info.retrans(), "both resent segments are retransmissions in flight (retrans_out)");
        assertEquals(2, info.unacked());
        assertEquals(2, info.totalRetransmits());
        assertEquals(retransBefore + 2, h.stack.statistics().get(Stat.TCP_RETRANS_SEGS));

        server.send(syn.srcPort(), SERVER_ISS + 1, syn.seq() + 1401, ACK, 65535, -1, new byte[0]);
        assertEquals(0, s.tcpInfo().retrans(), "acknowledged: no retransmission in flight");
        assertEquals(0, s.tcpInfo().unacked());
    }

    @Test
    void aLaterRetransmissionOfTheSynDataKeepsItsPsh() throws Exception {
        StackHarness h = harness();
        TcpPeer server = new TcpPeer(h, SERVER_PORT);
        learnCookie(h, server);
        TcpSocket s = connect(h);
        s.setNoDelay(true);
        assertEquals(1400, s.tryWrite(new byte[1400], 0, 1400));
        TcpPeer.Seg syn = server.one();
        synAck(server, syn, 0, 1460, null);
        assertEquals(1400, server.one().payload().length);
        assertEquals(4500, s.tryWrite(new byte[4500], 0, 4500));
        int sent = 0;
        for (TcpPeer.Seg seg : server.received()) {
            sent += seg.payload().length;
        }
        assertEquals(4500, sent);

        // The resent SYN data is lost again; everything after it arrives: RACK resends it.
        h.advance(20 * MS);
        server.received();   // a tail loss probe may have gone meanwhile
        TcpOptions sack = new TcpOptions().addSackBlock(syn.seq() + 1401, syn.seq() + 5901);
        server.sendWithOptions(syn.srcPort(), SERVER_ISS + 1, syn.seq() + 1, ACK, 65535, sack, new byte[0]);
        List<TcpPeer.Seg> out = server.received();
        assertTrue(!out.isEmpty(), "the SYN data is resent");
        TcpPeer.Seg again = out.get(0);
        assertEquals(syn.seq() + 1, again.seq());
        assertEquals(1400, again.payload().length);
        assertTrue((again.flags() & PSH) != 0, "the SYN data's skb keeps its PSH (tcp_send_syn_data), though more data follows it");
    }

    @Test
    void theResendEndsWhereTheSynDataEndedAndNewDataFollowsAsNewData() throws Exception {
        StackHarness h = harness();
        TcpPeer server = new TcpPeer(h, SERVER_PORT);
        learnCookie(h, server);
        TcpSocket s = connect(h);
        s.setNoDelay(true);
        int taken = s.tryWrite(new byte[3000], 0, 3000);
        TcpPeer.Seg syn = server.one();
        int synData = syn.payload().length;
        assertTrue(synData > 0 && synData < 1460, "the SYN carries data, less than a segment: " + synData);
        if (taken < 3000) {
            // Linux's non-blocking Fast Open sendto takes only what the SYN carries; queue the rest.
            assertEquals(synData, taken);
        }

        // The server acknowledges the SYN alone: the SYN's data goes again, then new data.
        synAck(server, syn, 0, 1460, null);
        if (taken < 3000) {
            assertEquals(3000 - taken, s.tryWrite(new byte[3000 - taken], 0, 3000 - taken));
        }
        List<TcpPeer.Seg> out = server.received();
        TcpPeer.Seg first = out.get(0);
        assertEquals(syn.seq() + 1, first.seq());
        assertEquals(synData, first.payload().length, "the resend is the SYN's data, not a full segment: " + out);
        assertTrue((first.flags() & PSH) != 0);
        int after = 0;
        for (TcpPeer.Seg seg : out.subList(1, out.size())) {
            after += seg.payload().length;
        }
        assertEquals(3000 - synData, after, "the rest follows as new data: " + out);
        assertEquals(1, s.tcpInfo().retrans(), "only the SYN data's segment is a retransmission");
        assertEquals(1, s.tcpInfo().totalRetransmits());
    }
}
