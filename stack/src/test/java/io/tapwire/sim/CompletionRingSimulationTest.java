package io.tapwire.sim;

import io.tapwire.socket.BufferRing;
import io.tapwire.socket.CompletionRing;
import io.tapwire.socket.Sqe;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.tapwire.sim.VirtualNet.B_ADDR;
import static io.tapwire.sim.VirtualNet.A_ADDR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The completion API (io_uring semantics) on stack B, with clients on stack A, on virtual time:
 * user data carried through, multishot accept and receive with a provided-buffer ring, connect,
 * errno results, timeouts, completion-ring overflow without loss, and polled submission.
 */
class CompletionRingSimulationTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1_000 * MS;

    private final VirtualNet net = new VirtualNet();

    /** A completion as the test reads it. */
    private record Cqe(long userData, int res, int flags) {
        boolean more() {
            return (flags & CompletionRing.F_MORE) != 0;
        }
    }

    private static List<Cqe> reap(CompletionRing ring) {
        List<Cqe> out = new ArrayList<>();
        int n = ring.completions();
        for (int i = 0; i < n; i++) {
            out.add(new Cqe(ring.userData(i), ring.result(i), ring.flags(i)));
        }
        ring.advance(n);
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private TcpSocket client(int port) {
        TcpSocket c = net.a.connectTcp(B_ADDR, port);
        net.runUntil(() -> c.state() == TcpState.ESTABLISHED, 5 * SEC);
        return c;
    }

    @Test
    void nopCompletesWithItsUserData() {
        CompletionRing ring = new CompletionRing(net.b, 8, false);
        ring.nextSqe().prepNop(42);
        ring.nextSqe().prepNop(-7);
        assertEquals(2, ring.submit());
        net.runFor(MS);
        assertEquals(List.of(new Cqe(42, 0, 0), new Cqe(-7, 0, 0)), reap(ring));
        assertEquals(0, ring.inFlight());
    }

    @Test
    void multishotAcceptPostsOneCompletionPerConnectionWithMore() throws Exception {
        TcpListener l = net.b.listenTcp(80, 16);
        CompletionRing ring = new CompletionRing(net.b, 8, false);
        int lfd = ring.install(l);
        ring.nextSqe().prepAccept(lfd, true, 1);
        ring.submit();
        net.runFor(MS);
        assertEquals(0, ring.completions(), "no connection yet");
        for (int i = 0; i < 5; i++) {
            client(80);
        }
        net.runFor(MS);
        List<Cqe> c = reap(ring);
        assertEquals(5, c.size());
        Set<Integer> files = new HashSet<>();
        for (Cqe e : c) {
            assertEquals(1, e.userData());
            assertTrue(e.more(), "multishot: more to come");
            assertTrue(e.res() >= 0 && e.res() != lfd);
            assertTrue(ring.file(e.res()) instanceof TcpSocket);
            files.add(e.res());
        }
        assertEquals(5, files.size(), "each connection has its own file index");
        assertEquals(1, ring.inFlight(), "the multishot accept stays armed");
    }

    @Test
    void singleShotRecvThenSendEchoes() throws Exception {
        TcpListener l = net.b.listenTcp(7, 16);
        CompletionRing ring = new CompletionRing(net.b, 8, false);
        ring.nextSqe().prepAccept(ring.install(l), false, 1);
        ring.submit();
        TcpSocket c = client(7);
        net.runFor(MS);
        Cqe accepted = reap(ring).get(0);
        assertFalse(accepted.more(), "single-shot accept: no F_MORE");
        int fd = accepted.res();
        byte[] buf = new byte[100];
        ring.nextSqe().prepRecv(fd, buf, 0, buf.length, 2);
        ring.submit();
        net.runFor(MS);
        assertEquals(0, ring.completions(), "recv waits for data");
        c.tryWrite(bytes("hello"), 0, 5);
        net.runFor(MS);
        Cqe got = reap(ring).get(0);
        assertEquals(new Cqe(2, 5, 0), got);
        ring.nextSqe().prepSend(fd, buf, 0, got.res(), 3);
        ring.submit();
        net.runFor(MS);
        assertEquals(List.of(new Cqe(3, 5, 0)), reap(ring));
        byte[] back = new byte[5];
        assertEquals(5, c.tryRead(back, 0, 5));
        assertArrayEquals(bytes("hello"), back);
    }

    @Test
    void multishotRecvWithProvidedBuffersEndsAtEndOfStream() throws Exception {
        TcpListener l = net.b.listenTcp(7, 16);
        CompletionRing ring = new CompletionRing(net.b, 16, false);
        BufferRing buffers = new BufferRing(3, 4, 64);
        ring.registerBuffers(buffers);
        ring.nextSqe().prepAccept(ring.install(l), false, 1);
        ring.submit();
        TcpSocket c = client(7);
        net.runFor(MS);
        int fd = reap(ring).get(0).res();
        ring.nextSqe().prepRecvSelect(fd, 3, true, 9);
        ring.submit();
        List<String> received = new ArrayList<>();
        for (String m : List.of("one", "two", "three")) {
            c.tryWrite(bytes(m), 0, m.length());
            net.runFor(MS);
            List<Cqe> cq = reap(ring);
            assertEquals(1, cq.size(), "one completion per arrival");
            Cqe e = cq.get(0);
            assertTrue(e.more());
            assertTrue((e.flags() & CompletionRing.F_BUFFER) != 0);
            int bid = CompletionRing.bufferId(e.flags());
            received.add(new String(buffers.buffer(bid), 0, e.res(), StandardCharsets.US_ASCII));
            buffers.recycle(bid);
        }
        assertEquals(List.of("one", "two", "three"), received);
        c.shutdownOutput();
        net.runFor(MS);
        assertEquals(List.of(new Cqe(9, 0, 0)), reap(ring), "end of stream: result 0, no F_MORE");
        assertEquals(4, buffers.available(), "every buffer is back");
    }

    @Test
    void multishotRecvEndsWithEnobufsWhenTheGroupRunsOut() throws Exception {
        TcpListener l = net.b.listenTcp(7, 16);
        CompletionRing ring = new CompletionRing(net.b, 16, false);
        BufferRing buffers = new BufferRing(0, 2, 64);
        ring.registerBuffers(buffers);
        ring.nextSqe().prepAccept(ring.install(l), false, 1);
        ring.submit();
        TcpSocket c = client(7);
        c.setNoDelay(true);
        net.runFor(MS);
        int fd = reap(ring).get(0).res();
        ring.nextSqe().prepRecvSelect(fd, 0, true, 5);
        ring.submit();
        for (int i = 0; i < 3; i++) {
            c.tryWrite(new byte[64], 0, 64);
            net.runFor(MS);
        }
        List<Cqe> cq = reap(ring);
        assertEquals(3, cq.size());
        assertTrue(cq.get(0).more() && cq.get(1).more());
        assertEquals(new Cqe(5, -CompletionRing.ENOBUFS, 0), cq.get(2), "out of buffers: the multishot ends");
        assertEquals(0, ring.inFlight());
    }

    @Test
    void connectCompletesWithTheNewIndexOrEconnrefused() throws Exception {
        net.a.listenTcp(8080, 4);
        CompletionRing ring = new CompletionRing(net.b, 8, false);
        ring.nextSqe().prepConnect(A_ADDR, 8080, 1);
        ring.nextSqe().prepConnect(A_ADDR, 8081, 2);
        ring.submit();
        net.runFor(10 * MS);
        List<Cqe> cq = reap(ring);
        assertEquals(2, cq.size());
        Cqe ok = cq.stream().filter(e -> e.userData() == 1).findFirst().orElseThrow();
        Cqe refused = cq.stream().filter(e -> e.userData() == 2).findFirst().orElseThrow();
        assertTrue(ok.res() >= 0);
        assertEquals(TcpState.ESTABLISHED, ((TcpSocket) ring.file(ok.res())).state());
        assertEquals(-CompletionRing.ECONNREFUSED, refused.res(), "RST to the SYN");
    }

    @Test
    void aResetEndsAParkedRecvWithEconnresetAndCloseCancelsTheRest() throws Exception {
        TcpListener l = net.b.listenTcp(7, 16);
        CompletionRing ring = new CompletionRing(net.b, 8, false);
        int lfd = ring.install(l);
        ring.nextSqe().prepAccept(lfd, false, 1);
        ring.submit();
        TcpSocket c1 = client(7);
        net.runFor(MS);
        int fd1 = reap(ring).get(0).res();
        ring.nextSqe().prepRecv(fd1, new byte[10], 0, 10, 2);
        ring.submit();
        net.runFor(MS);
        c1.abort();
        net.runFor(MS);
        assertEquals(List.of(new Cqe(2, -CompletionRing.ECONNRESET, 0)), reap(ring));

        ring.nextSqe().prepAccept(lfd, false, 3);
        ring.submit();
        client(7);
        net.runFor(MS);
        int fd2 = reap(ring).get(0).res();
        ring.nextSqe().prepRecv(fd2, new byte[10], 0, 10, 4);
        ring.nextSqe().prepClose(fd2, 5);
        ring.submit();
        net.runFor(MS);
        assertEquals(List.of(new Cqe(4, -CompletionRing.ECANCELED, 0), new Cqe(5, 0, 0)), reap(ring));
        assertNull(ring.file(fd2), "the index is free again");
        ring.nextSqe().prepRecv(fd2, new byte[1], 0, 1, 6);
        ring.submit();
        net.runFor(MS);
        assertEquals(List.of(new Cqe(6, -CompletionRing.EBADF, 0)), reap(ring));
    }

    @Test
    void shutdownSendsFin() throws Exception {
        TcpListener l = net.b.listenTcp(7, 16);
        CompletionRing ring = new CompletionRing(net.b, 8, false);
        ring.nextSqe().prepAccept(ring.install(l), false, 1);
        ring.submit();
        TcpSocket c = client(7);
        net.runFor(MS);
        int fd = reap(ring).get(0).res();
        ring.nextSqe().prepSend(fd, bytes("bye"), 0, 3, 2);
        ring.nextSqe().prepShutdown(fd, 3);
        ring.submit();
        net.runFor(MS);
        assertEquals(List.of(new Cqe(2, 3, 0), new Cqe(3, 0, 0)), reap(ring));
        byte[] b = new byte[8];
        assertEquals(3, c.tryRead(b, 0, 8));
        assertEquals(-1, c.tryRead(b, 0, 8), "FIN after the data");
    }

    @Test
    void timeoutCompletesWithEtimeAtItsVirtualDeadline() {
        CompletionRing ring = new CompletionRing(net.b, 8, false);
        ring.nextSqe().prepTimeout(50 * MS, 77);
        ring.submit();
        net.runFor(49 * MS);
        assertEquals(0, ring.completions());
        net.runFor(2 * MS);
        assertEquals(List.of(new Cqe(77, -CompletionRing.ETIME, 0)), reap(ring));
    }

    @Test
    void aFullCompletionRingHoldsBackSubmissionsAndLosesNothing() {
        CompletionRing ring = new CompletionRing(net.b, 16, 4, false);
        for (int i = 0; i < 16; i++) {
            ring.nextSqe().prepNop(i);
        }
        ring.submit();
        net.runFor(MS);
        assertEquals(4, ring.completions(), "the completion ring is full");
        assertTrue(ring.overflowedCompletions() > 0, "the rest wait in the overflow list");
        long[] seen = new long[16];
        int count = 0;
        for (int round = 0; round < 100 && count < 16; round++) {
            for (Cqe e : reap(ring)) {
                seen[count++] = e.userData();
            }
            net.runFor(MS);
        }
        long[] expected = new long[16];
        Arrays.setAll(expected, i -> i);
        assertArrayEquals(expected, Arrays.copyOf(seen, count), "all 16, in order, none lost");
        assertEquals(0, ring.completions());
    }

    @Test
    void whileCompletionsAreBackedUpNoNewSubmissionIsTaken() {
        CompletionRing ring = new CompletionRing(net.b, 8, 2, false);
        for (int i = 0; i < 4; i++) {
            ring.nextSqe().prepNop(i);
        }
        ring.submit();
        net.runFor(MS);
        assertEquals(2, ring.completions());
        assertTrue(ring.overflowedCompletions() >= 1);
        // Without reaping, fill the submission ring: the stack takes none of it.
        long next = 4;
        Sqe sqe;
        while ((sqe = ring.nextSqe()) != null) {
            sqe.prepNop(next++);
        }
        ring.submit();
        net.runFor(MS);
        assertEquals(2, ring.completions());
        assertNull(ring.nextSqe(), "the submission ring is still full: the stack took nothing new");
        List<Long> all = new ArrayList<>();
        for (int round = 0; round < 100 && all.size() < next; round++) {
            reap(ring).forEach(e -> all.add(e.userData()));
            net.runFor(MS);
        }
        List<Long> expected = new ArrayList<>();
        for (long i = 0; i < next; i++) {
            expected.add(i);
        }
        assertEquals(expected, all, "every submission completed once, in order");
    }

    @Test
    void aPolledRingNeedsNoWakeupWhileBusyAndAsksForOneWhenIdle() {
        CompletionRing polled = new CompletionRing(net.b, 8, true);
        CompletionRing plain = new CompletionRing(net.b, 8, false);
        // Submissions every 100 µs of virtual time: the stack thread keeps looking, no wakeups.
        for (int i = 0; i < 20; i++) {
            polled.nextSqe().prepNop(i);
            polled.submit();
            plain.nextSqe().prepNop(i);
            plain.submit();
            net.runFor(100_000);
            reap(polled);
            reap(plain);
        }
        assertEquals(0, polled.submitWakeups(), "busy polled ring: no wakeups");
        assertEquals(20, plain.submitWakeups(), "plain ring: one wakeup per batch");
        assertFalse(polled.needsWakeup());
        net.runFor(2 * MS);
        assertTrue(polled.needsWakeup(), "idle past " + CompletionRing.SQ_IDLE_NANOS + " ns: wants a wakeup");
        polled.nextSqe().prepNop(99);
        polled.submit();
        assertEquals(1, polled.submitWakeups());
        net.runFor(MS / 10);
        assertEquals(List.of(new Cqe(99, 0, 0)), reap(polled));
        assertFalse(polled.needsWakeup(), "taking a submission clears the flag");
    }

    @Test
    void aBatchOfSubmissionsIsOneWakeup() {
        CompletionRing ring = new CompletionRing(net.b, 8, false);
        for (int i = 0; i < 8; i++) {
            ring.nextSqe().prepNop(i);
        }
        assertEquals(8, ring.submit());
        assertEquals(1, ring.submitWakeups());
        net.runFor(MS);
        assertEquals(8, reap(ring).size());
    }

    @Test
    void aSubmissionFromAnAgentOnTheStackThreadRunsInTheSamePoll() {
        CompletionRing ring = new CompletionRing(net.b, 8, false);
        int[] readyRightAfterSubmit = {-1};
        net.b.addAgent(now -> {
            if (readyRightAfterSubmit[0] < 0) {
                ring.nextSqe().prepNop(5);
                ring.submit();
                readyRightAfterSubmit[0] = ring.completions();
            }
            return 0;
        });
        net.runFor(MS);
        assertEquals(1, readyRightAfterSubmit[0], "run inline, as io_uring_enter runs submissions in the caller's context");
        assertEquals(0, ring.submitWakeups(), "no wakeup needed: the stack thread submitted");
        assertEquals(List.of(new Cqe(5, 0, 0)), reap(ring));
    }
}
