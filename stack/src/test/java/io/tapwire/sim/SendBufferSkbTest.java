package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.event.Events;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Linux's send-buffer model (io.tapwire.tcp.SendBuffer) on a scripted peer, the scenarios of
 * Linux's packetdrill tests notsent_lowat/*, epoll/epoll_out_edge*, blocking/blocking-write and
 * zerocopy/maxfrags: skbs filled to the size goal past sk_sndbuf, TCP_NOTSENT_LOWAT checked only
 * before a new skb, the writer woken once free space is half of what is queued, sk_sndbuf grown
 * with cwnd while a writer waits, and at most 17 zerocopy fragments per skb.
 */
class SendBufferSkbTest {
    private static final int PEER_ISS = 3_000_000;
    private static final int OUT = Events.OUT;

    private static StackConfig config(int wmem) {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 7;
        c.tcpBsdSendBuffer = false;
        c.tcpWmemDefault = wmem;
        return c;
    }

    /**
     * Accepts a connection from a peer with MSS 1000 announcing {@code window} (scaled by
     * {@code wscale}, -1 for no window scaling) and returns it; {@code iss} gets the stack's ISS.
     */
    private static TcpSocket accept(StackHarness h, TcpPeer p, int synWindow, int wscale, int window, int[] iss) throws IOException {
        TcpListener l = h.stack.listenTcp(80, 4);
        TcpOptions o = new TcpOptions().setMss(1000);
        if (wscale >= 0) {
            o.setWindowScale(wscale);
        }
        p.sendWithOptions(80, PEER_ISS, 0, SYN, synWindow, o, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        iss[0] = synAck.seq();
        p.send(80, PEER_ISS + 1, iss[0] + 1, ACK, window, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        if (s == null) {
            fail("gave up waiting: no connection to accept");
        }
        return s;
    }

    private static int sent(TcpPeer p) {
        return p.received().stream().mapToInt(x -> x.payload().length).sum();
    }

    private static void ack(TcpPeer p, int[] iss, int bytes, int window) {
        p.send(80, PEER_ISS + 1, iss[0] + 1 + bytes, ACK, window, -1, new byte[0]);
    }

    @Test
    void aNonBlockingWriteFillsSkbsToTheSizeGoalPastTheSendBuffer() throws Exception {
        // tcp_wmem 50000, peer window 257 << 7 = 32896: size goal 16000 (half the window, whole
        // segments). 16000 go in one skb, of which cwnd (10) sends 10000; the unsent 6000 are
        // filled up to 16000, then skbs start at 26000 and 42000 while the truesize queued
        // (42000 + 3 skb overheads) is below 50000: 58000 taken, as Linux's write returns.
        StackHarness h = new StackHarness(256, config(50_000));
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 42001);
        int[] iss = new int[1];
        TcpSocket s = accept(h, p, 32792, 7, 257, iss);
        assertEquals(58_000, s.tryWrite(new byte[59_000], 0, 59_000));
        assertEquals(10_000, sent(p), "cwnd's 10 segments went out during the write");
        assertEquals(0, s.readiness() & OUT, "not writable: the skbs' truesize exceeds sk_sndbuf");
        assertEquals(0, s.tryWrite(new byte[1000], 0, 1000), "no new skb while sk_sndbuf is exceeded");
    }

    @Test
    void eachSkbsOverheadCountsAgainstTheSendBuffer() throws Exception {
        // sk_sndbuf 44000 (SO_SNDBUF: not auto-tuned): 42000 data bytes in three skbs are below
        // it, but with their truesize (3 x 1280 overhead) they are not, so no fourth skb starts.
        StackHarness h = new StackHarness(256, config(256 * 1024));
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 42008);
        int[] iss = new int[1];
        TcpSocket s = accept(h, p, 32792, 7, 257, iss);
        assertTrue(s.setSendBufferSize(44_000));
        assertEquals(42_000, s.tryWrite(new byte[59_000], 0, 59_000));
    }

    @Test
    void notSentLowatIsCheckedOnlyBeforeANewSkb() throws Exception {
        // A mark of 4000: the first skb starts with nothing unsent; after cwnd sent 10000 of it,
        // its unsent rest is filled to the size goal (16000 unsent), and no further skb starts.
        StackHarness h = new StackHarness(256, config(256 * 1024));
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 42002);
        int[] iss = new int[1];
        TcpSocket s = accept(h, p, 32792, 7, 257, iss);
        s.updateSettings(x -> x.notSentLowat(4000));
        assertEquals(26_000, s.tryWrite(new byte[59_000], 0, 59_000));
        assertEquals(10_000, sent(p));
        // tcp_poll's wake 1: writable once twice the unsent bytes are below the mark.
        ack(p, iss, 2000, 257);
        assertEquals(4000, sent(p), "cwnd grew by two segments and two left the network");
        assertEquals(0, s.readiness() & OUT, "12000 unsent");
        ack(p, iss, 8000, 257);
        assertTrue(sent(p) > 0);
        assertTrue((s.readiness() & OUT) != 0, "writable once fewer than 2000 bytes are unsent");
    }

    @Test
    void theWriterIsWokenWhenFreeSpaceIsHalfOfWhatIsQueued() throws Exception {
        // blocking-write's scenario: SO_SNDBUF 42000 (locked), peer window 50000 without scaling:
        // size goal 25000. 60000 are taken, the next byte waits. The ACK of 30001 leaves two skbs
        // (5000 and 25000 bytes: 32560 with overheads) and 9440 free: memory for a new skb, but
        // not writable (free < queued / 2), so a blocked writer sleeps on; the ACK of 36001 leaves
        // 24000 bytes in one skb and wakes it.
        StackHarness h = new StackHarness(256, config(256 * 1024));
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 42003);
        int[] iss = new int[1];
        TcpSocket s = accept(h, p, 50000, -1, 50000, iss);
        assertTrue(s.setSendBufferSize(42_000));
        assertEquals(60_000, s.tryWrite(new byte[61_000], 0, 61_000));
        assertEquals(10_000, sent(p));
        assertEquals(0, s.readiness() & OUT);
        ack(p, iss, 10_000, 50000);
        assertEquals(20_000, sent(p));
        assertEquals(0, s.readiness() & OUT, "the queued skbs' truesize is still above sk_sndbuf");
        ack(p, iss, 30_000, 50000);
        assertEquals(30_000, sent(p));
        assertEquals(0, s.readiness() & OUT, "9440 free of 32560 queued: not writable");
        assertEquals(42_000, s.tcpInfo().sndBuf(), "SO_SNDBUF keeps sk_sndbuf from growing");
        ack(p, iss, 36_000, 50000);
        assertTrue((s.readiness() & OUT) != 0, "17720 free of 25280 queued: writable");
        assertEquals(1000, s.tryWrite(new byte[1000], 0, 1000));
    }

    @Test
    void aBlockedWriterSleepsThroughAckThatOnlyMakesSomeRoom() throws Exception {
        StackHarness h = new StackHarness(256, config(256 * 1024));
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 42004);
        int[] iss = new int[1];
        TcpSocket s = accept(h, p, 50000, -1, 50000, iss);
        assertTrue(s.setSendBufferSize(42_000));
        assertEquals(60_000, s.tryWrite(new byte[61_000], 0, 61_000));
        AtomicInteger wrote = new AtomicInteger(-1);
        java.io.OutputStream out = s.outputStream();
        Thread writer = new Thread(() -> {
            try {
                out.write(new byte[1000], 0, 1000);
                wrote.set(1000);
            } catch (IOException e) {
                wrote.set(-2);
            }
        });
        writer.start();
        // Let it block first: a write made after the ACK of 30001 would find room for a new skb
        // and succeed at once, as a non-blocking one does in Linux.
        for (int i = 0; writer.getState() != Thread.State.WAITING; i++) {
            if (i > 30_000) {
                fail("gave up waiting: the writer never blocked");
            }
            Thread.sleep(1);
        }
        ack(p, iss, 10_000, 50000);
        ack(p, iss, 30_000, 50000);
        writer.join(200);
        assertEquals(-1, wrote.get(), "still asleep: room for an skb, but not writable");
        ack(p, iss, 36_000, 50000);
        writer.join(30_000);
        if (writer.isAlive()) {
            fail("gave up waiting: the writer was not woken by the ACK of 36001");
        }
        assertEquals(1000, wrote.get());
    }

    @Test
    void theSendBufferGrowsWithCwndWhileAWriterWaits() throws Exception {
        // epoll_out_edge's scenario: once the ACK of 26001 leaves cwnd (36 segments) room,
        // tcp_sndbuf_expand makes sk_sndbuf two cwnds of 2304-byte worst-case skbs.
        StackHarness h = new StackHarness(256, config(50_000));
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 42005);
        int[] iss = new int[1];
        TcpSocket s = accept(h, p, 32792, 7, 257, iss);
        assertEquals(58_000, s.tryWrite(new byte[59_000], 0, 59_000));
        ack(p, iss, 10_000, 257);
        assertEquals(50_000, s.tcpInfo().sndBuf(), "cwnd full: no growth");
        assertEquals(0, s.readiness() & OUT);
        ack(p, iss, 26_000, 257);
        int cwndSegs = s.tcpInfo().cwnd() / s.tcpInfo().sndMss();
        assertEquals(36, cwndSegs, "slow start: 10 + 10 + 16");
        assertEquals(2 * cwndSegs * 2304, s.tcpInfo().sndBuf(), "2 * cwnd * per_mss");
        assertTrue((s.readiness() & OUT) != 0);
        assertEquals(128_000, s.tryWrite(new byte[180_000], 0, 180_000), "eight skbs of 16000 fit the grown buffer");
    }

    @Test
    void soSndbufChangesTheLimitAtOnceButTheUnsentTailSkbStillFills() throws Exception {
        // A zero window: nothing leaves. The size goal without a window is 64 KB of whole
        // segments (65000); a 30000-byte write is one skb.
        StackHarness h = new StackHarness(256, config(256 * 1024));
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 42007);
        int[] iss = new int[1];
        TcpSocket s = accept(h, p, 0, -1, 0, iss);
        assertEquals(30_000, s.tryWrite(new byte[30_000], 0, 30_000));
        assertTrue(s.setSendBufferSize(5000), "sk_sndbuf may shrink under queued data (sock_setsockopt)");
        assertEquals(5000, s.tcpInfo().sndBuf());
        assertEquals(35_000, s.tryWrite(new byte[40_000], 0, 40_000), "the unsent tail skb fills to the size goal");
        assertEquals(0, s.tryWrite(new byte[1000], 0, 1000), "no new skb past sk_sndbuf");
        assertEquals(0, s.readiness() & OUT);
    }

    @Test
    void aZerocopySendHoldsAtMost17FragmentsPerSkb() throws Exception {
        StackHarness h = new StackHarness(256, config(256 * 1024));
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 42006);
        int[] iss = new int[1];
        TcpSocket s = accept(h, p, 32792, 7, 257, iss);
        s.updateSettings(x -> x.zerocopy(true));
        int[] iov = new int[18];
        java.util.Arrays.fill(iov, 1);
        // Copied: one linear skb, one segment.
        assertEquals(18, s.tryWrite(new byte[18], 0, 18));
        List<TcpPeer.Seg> w = p.received();
        assertEquals(1, w.size());
        assertEquals(18, w.get(0).payload().length);
        ack(p, iss, 18, 257);
        // Zerocopy: 17 one-byte fragments fill an skb, which leaves with PSH; the 18th starts a new one.
        assertEquals(18, s.tryWriteZerocopy(new byte[18], 0, iov));
        w = p.received();
        assertEquals(17, w.get(0).payload().length, "17 fragments, then a new skb: " + w);
        assertTrue((w.get(0).flags() & TcpSegment.PSH) != 0, "tcp_mark_push on the skb out of fragments");
        ack(p, iss, 35, 257);
        w.addAll(p.received());
        assertEquals(2, w.size());
        assertEquals(1, w.get(1).payload().length);
        assertTrue((w.get(1).flags() & TcpSegment.PSH) != 0);
    }

    @Test
    void soSndbufNeverSetsTheSendBufferBelowSockMinSndbuf() throws Exception {
        // Linux's sock_setsockopt: sk_sndbuf = max(2 * val, SOCK_MIN_SNDBUF), 4608 (two skbs of
        // TCP_SKB_MIN_TRUESIZE), so SO_SNDBUF 1000 leaves room for three one-segment skbs (size goal
        // 1000: half the SYN's 2000-byte window): 2280 and 4560 truesize queued are both below
        // 4608 when the next skb starts (Linux's timestamping/partial.pkt: 2964 with MSS 988).
        StackHarness h = new StackHarness(256, config(50_000));
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 42001);
        int[] iss = new int[1];
        TcpSocket s = accept(h, p, 2000, 7, 16, iss);
        assertTrue(s.setSendBufferSize(2 * 1000), "SO_SNDBUF 1000, doubled as Linux does");
        assertEquals(3000, s.tryWrite(new byte[10_000], 0, 10_000), "three skbs of one segment fit 4608");
    }
}
