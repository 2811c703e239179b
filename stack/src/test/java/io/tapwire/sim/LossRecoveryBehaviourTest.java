package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.cc.CaState;
import io.tapwire.wire.TcpOptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loss recovery against a scripted peer on the virtual clock, in the shape of Linux's packetdrill
 * tests: a 100 ms RTT handshake, an MSS of 1000, and SACK blocks written by hand. Sequence numbers
 * in the test are relative to our ISS, as packetdrill writes them.
 */
class LossRecoveryBehaviourTest {
    private static final long MS = 1_000_000L;
    private static final int PEER_ISS = 5_000_000;
    private static final int PEER_TS = 100_000;

    /** One accepted connection with a scripted peer. */
    private static final class Conn {
        final StackHarness h;
        final TcpPeer p;
        final boolean ts;
        TcpSocket s;
        int iss;
        int peerTs = PEER_TS;
        int lastTsVal;

        Conn(Consumer<StackConfig> configure, boolean ts) throws Exception {
            StackConfig c = new StackConfig();
            c.tcpIsnSecret = 7;
            c.tcpCongestionControl = "cubic";
            c.tcpRecovery = 1;
            c.tcpPrr = true;
            c.tcpLimitedTransmit = true;
            c.tcpEarlyRetrans = 3;
            c.tcpFrto = 2;
            configure.accept(c);
            h = new StackHarness(1024, c);
            h.introducePeer();
            this.ts = ts;
            TcpListener l = h.stack.listenTcp(80, 4);
            p = new TcpPeer(h, 42000);
            TcpOptions syn = new TcpOptions().setMss(1000).setSackPermitted(true).setWindowScale(7);
            if (ts) {
                syn.setTimestamps(peerTs, 0);
            }
            p.sendWithOptions(80, PEER_ISS, 0, SYN, 32792, syn, new byte[0]);
            TcpPeer.Seg synAck = p.one();
            iss = synAck.seq();
            lastTsVal = synAck.options().tsVal();
            h.advance(100 * MS);
            ack(1);
            s = l.accept(0, TimeUnit.NANOSECONDS);
        }

        /** Absolute sequence number of relative {@code rel}. */
        int seq(int rel) {
            return iss + rel;
        }

        /** An ACK of relative {@code ack} with SACK blocks given as relative (left, right) pairs. */
        void ack(int ack, int... sack) {
            ackEchoing(lastTsVal, ack, sack);
        }

        /** The same, echoing {@code tsEcr} (timestamp connections). */
        void ackEchoing(int tsEcr, int ack, int... sack) {
            TcpOptions o = new TcpOptions();
            if (ts) {
                o.setTimestamps(++peerTs, tsEcr);
            }
            for (int i = 0; i < sack.length; i += 2) {
                o.addSackBlock(seq(sack[i]), seq(sack[i + 1]));
            }
            p.sendWithOptions(80, PEER_ISS + 1, seq(ack), ACK, 320, o, new byte[0]);
        }

        /** Data segments sent since the last call, as relative [start, end) pairs. */
        List<String> sent() {
            List<TcpPeer.Seg> segs = p.received();
            for (TcpPeer.Seg g : segs) {
                if (ts && g.options().timestamps()) {
                    lastTsVal = g.options().tsVal();
                }
            }
            return segs.stream().filter(g -> g.payload().length > 0)
                    .map(g -> (g.seq() - iss) + ":" + (g.seq() - iss + g.payload().length)).toList();
        }

        void write(int n) throws Exception {
            assertEquals(n, s.tryWrite(new byte[n], 0, n));
        }

        long stat(Stat st) {
            return h.stack.statistics().get(st);
        }
    }

    private static Conn conn() throws Exception {
        return new Conn(c -> { }, false);
    }

    /** Ten segments out, the first lost: three SACKs 10 ms apart as in Linux's prr-ss-10pkt-lost-1.pkt. */
    private static Conn firstOfTenLost(Conn c) throws Exception {
        c.write(10000);
        assertEquals(10, c.sent().size());
        c.h.advance(110 * MS);
        c.ack(1, 1001, 2001);
        assertEquals(List.of(), c.sent(), "one SACKed segment: within RACK's reordering window");
        c.h.advance(10 * MS);
        c.ack(1, 1001, 3001);
        assertEquals(List.of(), c.sent());
        c.h.advance(10 * MS);
        c.ack(1, 1001, 4001);
        return c;
    }

    // ------------------------------------------------------------------ PRR (RFC 6937)

    @Test
    void prrSendsOneSegmentPerDeliveredSegmentWhenInFlightEqualsSsthresh() throws Exception {
        // Linux tools/testing/selftests/net/packetdrill/tcp_fast_recovery_prr-ss-10pkt-lost-1.pkt.
        Conn c = firstOfTenLost(conn());
        assertEquals(List.of("1:1001"), c.sent(), "fast retransmit on the third SACK");
        assertEquals(CaState.RECOVERY, c.s.tcpInfo().caState());
        assertEquals(7000, c.s.tcpInfo().cwnd(), "CUBIC beta 0.7 of 10 segments");
        assertEquals(7000, c.s.tcpInfo().ssthresh());
        c.h.advance(10 * MS);
        c.write(7000);
        assertEquals(List.of(), c.sent(), "in flight 7 = cwnd: nothing more");
        for (int i = 0; i < 6; i++) {
            c.h.advance(10 * MS);
            c.ack(1, 1001, 5001 + 1000 * i);
            assertEquals(List.of((10001 + 1000 * i) + ":" + (11001 + 1000 * i)), c.sent(), "one out per one SACKed, round " + i);
        }
        c.h.advance(20 * MS);
        c.ack(10001);
        assertEquals(List.of("16001:17001"), c.sent());
        assertEquals(CaState.OPEN, c.s.tcpInfo().caState());
        assertEquals(7000, c.s.tcpInfo().cwnd(), "recovery ends at ssthresh");
        assertEquals(7000, c.s.tcpInfo().ssthresh());
    }

    @Test
    void prrReducesProportionallyWhenInFlightIsAboveSsthresh() throws Exception {
        // Limited transmit off so that the flight at the fast retransmit is exactly 20 segments.
        Conn c = new Conn(cfg -> cfg.tcpLimitedTransmit = false, false);
        c.write(40000);
        assertEquals(10, c.sent().size());
        c.h.advance(100 * MS);
        // Slow start to 20 segments: each ACK of one segment lets two out.
        for (int i = 1; i <= 10; i++) {
            c.ack(1 + 1000 * i);
        }
        assertEquals(20, c.sent().size());
        assertEquals(20000, c.s.tcpInfo().cwnd());
        c.h.advance(100 * MS);
        // 10001:11001 is lost; three SACKs: RACK marks it lost, ssthresh = 0.7 * 20 = 14 segments.
        c.ack(10001, 11001, 12001);
        c.ack(10001, 11001, 13001);
        c.ack(10001, 11001, 14001);
        assertEquals(List.of("10001:11001"), c.sent());
        assertEquals(14000, c.s.tcpInfo().ssthresh());
        // In flight 17 > ssthresh 14: PRR lets out ceil(ssthresh * delivered / RecoverFS) - sent,
        // RecoverFS = 20 (RFC 6937 section 3, Linux tcp_cwnd_reduction): for delivered = 2..7
        // that is 1, 1, 0, 1, 1, 0; then in flight reaches ssthresh and nothing more goes.
        List<Integer> perAck = new java.util.ArrayList<>();
        for (int k = 2; k <= 8; k++) {
            c.ack(10001, 11001, 13001 + 1000 * k);
            perAck.add(c.sent().size());
        }
        assertEquals(List.of(1, 1, 0, 1, 1, 0, 0), perAck, "7 of every 10 delivered");
    }

    // ------------------------------------------------------------------ RACK (RFC 8985)

    @Test
    void rackMarksASegmentLostOnceALaterOneIsSackedAndTheReorderingWindowHasPassed() throws Exception {
        Conn c = conn();
        c.write(3000);
        assertEquals(3, c.sent().size());
        c.h.advance(100 * MS);
        c.ack(1, 1001, 2001);
        assertEquals(List.of(), c.sent(), "within min_rtt/4 = 25 ms it may be reordering");
        c.h.advance(26 * MS);
        assertEquals(List.of(), c.sent(), "the timer fires TCP_TIMEOUT_MIN (2 ms) after the window, as Linux's");
        c.h.advance(2 * MS);
        assertEquals(List.of("1:1001"), c.sent(), "the reordering timer at 27 ms: 1:1001 lost, retransmitted");
        assertEquals(CaState.RECOVERY, c.s.tcpInfo().caState());
        assertEquals(0, c.stat(Stat.TCP_TIMEOUTS));
        assertEquals(1, c.stat(Stat.TCP_SACK_RECOVERY));
    }

    @Test
    void rackReorderTimeoutMarksEverythingBeforeTheSackedSegmentLostAndPrrPacesTheRetransmissions() throws Exception {
        // The start of Linux's sack-shift-sacked-7-3-4-8-9-fack.pkt: only 7001:8001 arrives.
        Conn c = conn();
        c.write(10000);
        assertEquals(10, c.sent().size());
        c.h.advance(100 * MS);
        c.ack(1, 7001, 8001);
        assertEquals(List.of(), c.sent());
        c.h.advance(27 * MS);
        // RACK: 1:7001 lost (7 segments); PRR: in flight 10 - 1 - 7 = 2, one segment may go.
        assertEquals(List.of("1:1001"), c.sent());
        assertEquals(CaState.RECOVERY, c.s.tcpInfo().caState());
        c.h.advance(2 * MS);
        c.ack(1, 3001, 4001, 7001, 8001);
        assertEquals(List.of("1001:2001"), c.sent(), "3001:4001 arrived, is no longer lost; the next hole goes");
        assertEquals(1, c.stat(Stat.TCP_SACK_REORDER), "3001:4001 was delivered below 7001:8001 without a retransmission");
    }

    @Test
    void rackTreatsAHoleFilledWithinTheWindowAsReorderingAndLearnsIt() throws Exception {
        Conn c = conn();
        c.write(3000);
        c.sent();
        c.h.advance(100 * MS);
        c.ack(1, 2001, 3001);
        c.h.advance(10 * MS);
        c.ack(3001);
        c.h.advance(100 * MS);
        assertEquals(List.of(), c.sent(), "the hole was filled by the originals: nothing resent");
        assertEquals(0, c.stat(Stat.TCP_RETRANS_SEGS));
        assertEquals(1, c.stat(Stat.TCP_SACK_REORDER), "reordering seen (Linux TCPSACKReorder)");
        assertEquals(CaState.OPEN, c.s.tcpInfo().caState());
    }

    @Test
    void withoutRackThreeSackedSegmentsAreNeededBeforeTheFastRetransmit() throws Exception {
        Conn c = new Conn(cfg -> cfg.tcpRecovery = 0, false);
        c.write(5000);
        c.sent();
        c.h.advance(100 * MS);
        c.ack(1, 1001, 2001);
        c.h.advance(100 * MS);
        assertEquals(List.of(), c.sent(), "no timer-based loss detection with tcp_recovery=0");
        c.ack(1, 1001, 3001);
        assertEquals(List.of(), c.sent());
        c.ack(1, 1001, 4001);
        assertEquals(List.of("1:1001"), c.sent(), "DupThresh 3 (RFC 6675 IsLost)");
    }

    // ------------------------------------------------------------------ adaptive reordering

    @Test
    void detectedReorderingRaisesDupThreshSoTheSameReorderingIsNoLongerALoss() throws Exception {
        Conn c = new Conn(cfg -> cfg.tcpRecovery = 0, false);
        c.write(10000);
        c.sent();
        c.h.advance(100 * MS);
        // Two segments SACKed far above five missing ones (below DupThresh 3), then the five
        // originals arrive: reordering of degree 7 (Linux tcp_check_sack_reordering).
        c.ack(1, 5001, 7001);
        assertEquals(List.of(), c.sent());
        c.ack(7001);
        assertEquals(1, c.stat(Stat.TCP_SACK_REORDER));
        assertEquals(7, c.s.tcpInfo().reordering(), "tcpi_reordering");
        assertEquals(1, c.s.tcpInfo().reordSeen(), "tcpi_reord_seen");
        c.ack(10001);
        c.sent();
        c.h.advance(10 * MS);
        c.write(10000);
        c.sent();
        c.h.advance(100 * MS);
        c.ack(10001, 11001, 17001);
        assertEquals(List.of(), c.sent(), "six SACKed above the hole: within the learned degree (tp->reordering 7)");
        c.ack(10001, 11001, 18001);
        assertEquals(List.of("10001:11001"), c.sent(), "seven: lost");
    }

    @Test
    void reorderingIsBoundedByTcpMaxReordering() throws Exception {
        Conn c = new Conn(cfg -> {
            cfg.tcpRecovery = 0;
            cfg.tcpMaxReordering = 4;
        }, false);
        c.write(10000);
        c.sent();
        c.h.advance(100 * MS);
        c.ack(1, 5001, 7001);
        c.ack(7001);
        assertEquals(4, c.s.tcpInfo().reordering(), "capped");
        c.ack(10001);
        c.h.advance(10 * MS);
        c.write(10000);
        c.sent();
        c.h.advance(100 * MS);
        c.ack(10001, 11001, 14001);
        assertEquals(List.of(), c.sent(), "three SACKed: below DupThresh 4");
        c.ack(10001, 11001, 15001);
        assertEquals(List.of("10001:11001"), c.sent(), "four: lost (with the uncapped degree 7 it would not be)");
    }

    @Test
    void withoutSackMoreDuplicateAcksThanSegmentsOutIsReordering() throws Exception {
        Conn c = new Conn(cfg -> cfg.tcpSack = false, false);
        c.write(2000);
        assertEquals(2, c.sent().size());
        c.h.advance(100 * MS);
        c.ack(1);
        assertEquals(0, c.stat(Stat.TCP_RENO_REORDER), "one duplicate ACK: the second segment arrived");
        c.ack(1);
        assertEquals(1, c.stat(Stat.TCP_RENO_REORDER), "two duplicates with two segments out and one hole (Linux tcp_check_reno_reordering)");
        c.ack(2001);
        assertEquals(0, c.stat(Stat.TCP_RETRANS_SEGS));
    }

    // ------------------------------------------------------------------ undo

    @Test
    void dsackOfTheOnlyRetransmissionAfterRecoveryUndoesTheReduction() throws Exception {
        Conn c = firstOfTenLost(conn());
        assertEquals(List.of("1:1001"), c.sent());
        c.h.advance(10 * MS);
        c.ack(10001);
        c.sent();
        assertEquals(CaState.OPEN, c.s.tcpInfo().caState());
        assertEquals(7000, c.s.tcpInfo().cwnd());
        assertEquals(0, c.stat(Stat.TCP_DSACK_UNDO));
        // The original 1:1001 was only late: the receiver reports the retransmission as a duplicate.
        c.ack(10001, 1, 1001);
        assertEquals(1, c.stat(Stat.TCP_DSACK_UNDO), "RFC 3708 / Linux tcp_try_undo_dsack");
        assertEquals(10000, c.s.tcpInfo().cwnd(), "cwnd back to its value before recovery");
        assertEquals(Integer.MAX_VALUE, c.s.tcpInfo().ssthresh(), "ssthresh restored too");
    }

    @Test
    void dsackBeforeTheFullAckUndoesTheWholeRecovery() throws Exception {
        Conn c = firstOfTenLost(conn());
        assertEquals(List.of("1:1001"), c.sent());
        c.h.advance(10 * MS);
        c.ack(10001, 1, 1001);
        assertEquals(1, c.stat(Stat.TCP_FULL_UNDO), "Linux tcp_try_undo_recovery at the full ACK");
        assertEquals(CaState.OPEN, c.s.tcpInfo().caState());
        assertEquals(10000, c.s.tcpInfo().cwnd());
    }

    @Test
    void aRealLossIsNotUndone() throws Exception {
        Conn c = firstOfTenLost(conn());
        c.sent();
        c.h.advance(10 * MS);
        c.ack(10001);
        c.h.advance(10 * MS);
        c.ack(10001);
        assertEquals(0, c.stat(Stat.TCP_FULL_UNDO) + c.stat(Stat.TCP_DSACK_UNDO) + c.stat(Stat.TCP_PARTIAL_UNDO));
        assertEquals(7000, c.s.tcpInfo().cwnd());
    }

    @Test
    void timestampsShowASpuriousTimeoutAndUndoIt() throws Exception {
        // Eifel (RFC 3522): the ACK after the timeout echoes the timestamp of the original
        // transmission, so the original arrived and the timeout was spurious.
        // TLP and F-RTO off: only the timestamps can show the timeout spurious.
        Conn c = new Conn(cfg -> {
            cfg.tcpEarlyRetrans = 0;
            cfg.tcpFrto = 0;
        }, true);
        c.write(4000);
        c.sent();
        int originalTs = c.lastTsVal;
        long cwndBefore = c.s.tcpInfo().cwnd();
        c.h.advance(400 * MS);
        assertEquals(1, c.stat(Stat.TCP_TIMEOUTS));
        assertEquals(CaState.LOSS, c.s.tcpInfo().caState());
        c.sent();
        c.ackEchoing(originalTs, 4001);
        assertEquals(1, c.stat(Stat.TCP_LOSS_UNDO), "Linux tcp_try_undo_loss with tcp_packet_delayed");
        assertEquals(CaState.OPEN, c.s.tcpInfo().caState());
        assertEquals(cwndBefore, c.s.tcpInfo().cwnd(), "the window before the timeout is back");
    }

    @Test
    void timestampsEchoingTheRetransmissionDoNotUndo() throws Exception {
        Conn c = new Conn(cfg -> {
            cfg.tcpEarlyRetrans = 0;
            cfg.tcpFrto = 0;
        }, true);
        c.write(4000);
        c.sent();
        c.h.advance(400 * MS);
        assertEquals(1, c.stat(Stat.TCP_TIMEOUTS));
        c.sent();
        int retransmissionTs = c.lastTsVal;
        c.ackEchoing(retransmissionTs, 4001);
        assertEquals(0, c.stat(Stat.TCP_LOSS_UNDO));
    }

    // ------------------------------------------------------------------ TLP (RFC 8985 section 7)

    @Test
    void tailLossProbeResendsTheLastSegmentAfterTwoSrtt() throws Exception {
        Conn c = conn();
        c.write(10000);
        assertEquals(10, c.sent().size());
        // SRTT 100 ms from the handshake: PTO = 2 * SRTT (+ 2 ms, Linux TCP_TIMEOUT_MIN), before the RTO.
        c.h.advance(199 * MS);
        assertEquals(List.of(), c.sent());
        c.h.advance(4 * MS);
        assertEquals(List.of("9001:10001"), c.sent(), "the probe is the last segment");
        assertEquals(1, c.stat(Stat.TCP_LOSS_PROBES));
        assertEquals(0, c.stat(Stat.TCP_TIMEOUTS));
        assertEquals(CaState.OPEN, c.s.tcpInfo().caState());
    }

    @Test
    void tailLossProbeSendsNewDataWhenThereIsSome() throws Exception {
        Conn c = conn();
        c.write(15000);
        assertEquals(10, c.sent().size(), "initial window of ten");
        c.h.advance(203 * MS);
        assertEquals(List.of("10001:11001"), c.sent(), "new data as the probe (RFC 8985 7.3)");
        assertEquals(1, c.stat(Stat.TCP_LOSS_PROBES));
    }

    @Test
    void aProbeThatRepairedATailLossReducesTheWindowOnce() throws Exception {
        Conn c = conn();
        c.write(10000);
        c.sent();
        c.h.advance(100 * MS);
        c.ack(9001);
        c.sent();
        // The last segment is lost: after the probe timeout it is probed, the probe repairs it.
        // With one segment out the PTO (2 * srtt + 200 ms) is clamped to the RTO, srtt +
        // max(4 * rttvar, 200 ms) = 300 ms (Linux tcp_schedule_loss_probe, tcp_rtt_estimator).
        c.h.advance(299 * MS);
        assertEquals(List.of(), c.sent());
        c.h.advance(1 * MS);
        assertEquals(List.of("9001:10001"), c.sent());
        c.ack(10001);
        c.write(1000);
        c.sent();
        c.h.advance(100 * MS);
        c.ack(11001);
        assertEquals(1, c.stat(Stat.TCP_LOSS_PROBE_RECOVERY), "Linux TCPLossProbeRecovery");
        assertTrue(c.s.tcpInfo().ssthresh() < Integer.MAX_VALUE, "the window was reduced");
        assertEquals(0, c.stat(Stat.TCP_TIMEOUTS));
    }

    @Test
    void noProbeWithTcpEarlyRetransZero() throws Exception {
        Conn c = new Conn(cfg -> cfg.tcpEarlyRetrans = 0, false);
        c.write(10000);
        c.sent();
        c.h.advance(250 * MS);
        assertEquals(List.of(), c.sent());
        c.h.advance(100 * MS);
        assertEquals(List.of("1:1001"), c.sent(), "only the RTO (300 ms) resends");
        assertEquals(0, c.stat(Stat.TCP_LOSS_PROBES));
    }

    // ------------------------------------------------------------------ limited transmit (RFC 3042)

    @Test
    void limitedTransmitSendsNewDataOnTheFirstTwoSackedDuplicates() throws Exception {
        Conn c = conn();
        c.write(15000);
        assertEquals(10, c.sent().size(), "cwnd full");
        c.h.advance(100 * MS);
        c.ack(1, 1001, 2001);
        assertEquals(List.of("10001:11001"), c.sent(), "first duplicate: one new segment");
        c.ack(1, 1001, 3001);
        assertEquals(List.of("11001:12001"), c.sent(), "second duplicate: one more");
        c.ack(1, 1001, 4001);
        assertEquals("1:1001", c.sent().get(0), "third: the fast retransmit");
        assertEquals(0, c.stat(Stat.TCP_TIMEOUTS));
    }

    @Test
    void limitedTransmitWithoutSackCountsDuplicateAcks() throws Exception {
        Conn c = new Conn(cfg -> cfg.tcpSack = false, false);
        c.write(15000);
        assertEquals(10, c.sent().size());
        c.h.advance(100 * MS);
        c.ack(1);
        assertEquals(List.of("10001:11001"), c.sent(), "RFC 3042: first duplicate ACK");
        c.ack(1);
        assertEquals(List.of("11001:12001"), c.sent(), "second");
        c.ack(1);
        assertEquals(List.of("1:1001"), c.sent(), "third: fast retransmit (RFC 5681), no new data");
        assertEquals(1, c.stat(Stat.TCP_RENO_RECOVERY));
    }

    @Test
    void noLimitedTransmitWhenOff() throws Exception {
        Conn c = new Conn(cfg -> cfg.tcpLimitedTransmit = false, false);
        c.write(15000);
        c.sent();
        c.h.advance(100 * MS);
        c.ack(1, 1001, 2001);
        assertEquals(List.of(), c.sent());
    }

    // ------------------------------------------------------------------ F-RTO (RFC 5682)

    /** Ten segments out and five more queued, no timestamps, no TLP: after 300 ms the RTO resends 1:1001. */
    private static Conn timedOut(Consumer<StackConfig> configure) throws Exception {
        Conn c = new Conn(cfg -> {
            cfg.tcpEarlyRetrans = 0;
            configure.accept(cfg);
        }, false);
        c.write(15000);
        assertEquals(10, c.sent().size());
        c.h.advance(350 * MS);
        assertEquals(1, c.stat(Stat.TCP_TIMEOUTS));
        assertEquals(List.of("1:1001"), c.sent());
        assertEquals(CaState.LOSS, c.s.tcpInfo().caState());
        return c;
    }

    @Test
    void frtoFindsATimeoutSpuriousWhenNeverRetransmittedDataIsAcknowledged() throws Exception {
        Conn c = timedOut(cfg -> { });
        // The originals were only delayed: their ACK covers 1001:2001, which was never resent.
        c.ack(2001);
        assertEquals(1, c.stat(Stat.TCP_SPURIOUS_RTOS), "Linux TCPSpuriousRTOs");
        assertEquals(1, c.stat(Stat.TCP_LOSS_UNDO));
        assertEquals(CaState.OPEN, c.s.tcpInfo().caState());
        assertEquals(10000, c.s.tcpInfo().cwnd(), "the window before the timeout");
        List<String> out = c.sent();
        assertTrue(out.stream().noneMatch(x -> x.startsWith("2001:")), "no go-back-N resend after the undo: " + out);
    }

    @Test
    void frtoSendsNewDataAfterTheFirstAckThenDeclaresTheTimeoutSpurious() throws Exception {
        Conn c = timedOut(cfg -> { });
        c.ack(1001);
        List<String> out = c.sent();
        assertTrue(!out.isEmpty() && out.stream().allMatch(x -> Integer.parseInt(x.split(":")[0]) >= 10001),
                "step 2b: new data, not 1001:2001 again: " + out);
        c.ack(3001);
        assertEquals(1, c.stat(Stat.TCP_SPURIOUS_RTOS), "step 3b: data sent before the timeout, never resent, arrived");
        assertEquals(CaState.OPEN, c.s.tcpInfo().caState());
    }

    @Test
    void frtoSeesARealLossAndFallsBackToRetransmitting() throws Exception {
        Conn c = timedOut(cfg -> { });
        c.ack(1001);
        List<String> out = c.sent();
        assertEquals("10001:11001", out.get(0), out.toString());
        // The new segment arrives but 1001:2001 is still missing: a duplicate ACK with its SACK.
        c.ack(1001, 10001, 11001);
        assertEquals(0, c.stat(Stat.TCP_SPURIOUS_RTOS));
        assertTrue(c.sent().contains("1001:2001"), "step 3a: the loss was real, retransmission continues");
        assertEquals(CaState.LOSS, c.s.tcpInfo().caState());
    }

    @Test
    void withoutFrtoTheTimeoutKeepsRetransmitting() throws Exception {
        Conn c = timedOut(cfg -> cfg.tcpFrto = 0);
        c.ack(1001);
        assertTrue(c.sent().contains("1001:2001"), "go-back-N");
        c.ack(3001);
        assertEquals(0, c.stat(Stat.TCP_SPURIOUS_RTOS));
    }

    // ------------------------------------------------------------------ retransmission after a timeout

    @Test
    void aShortHoleIsRetransmittedAfterATimeoutNotHeldBackByNagle() throws Exception {
        // Found with apps' EventServicesTest echo (16 clients, two tapwire stacks): a connection in
        // LOSS whose hole below SACKed data was shorter than a segment retransmitted nothing at each
        // RTO, backing off until the reader gave up. Nagle and sender SWS avoidance hold back new
        // data only (RFC 9293 3.8.6.2.1; Linux's tcp_retransmit_skb never applies tcp_nagle_test).
        Conn c = conn();
        c.write(500);
        assertEquals(List.of("1:501"), c.sent(), "all there is, nothing in flight: the short segment goes");
        c.write(3000);
        assertEquals(List.of("501:1501", "1501:2501", "2501:3501"), c.sent());
        c.h.advance(100 * MS);
        c.ack(1, 501, 3501);
        // RACK (or the tail loss probe) resends the hole; that copy is lost too.
        c.h.advance(400 * MS);
        assertEquals(List.of("1:501"), c.sent(), "the first retransmission of the hole");
        c.h.advance(2000 * MS);
        assertEquals(CaState.LOSS, c.s.tcpInfo().caState(), "the retransmission timer fired");
        List<String> out = c.sent();
        assertTrue(out.contains("1:501"), "the timeout resends the 500-byte hole below the SACKed data: " + out);
    }

    @Test
    void theRtoIsSrttPlusTheMinimumOnTheVarianceAsLinuxComputesIt() throws Exception {
        // Linux's tcp_rtt_estimator / __tcp_set_rto (cubic-rto-ss-ca-cwnd-bump.pkt): after two
        // 100 ms samples the RTO is srtt + max(rttvar, tcp_rto_min) = 300 ms, where RFC 6298 2.4's
        // max(200 ms, srtt + 4 * rttvar) would be 250 ms.
        Conn c = conn();
        c.write(1000);
        assertEquals(List.of("1:1001"), c.sent());
        c.h.advance(100 * MS);
        c.ack(1001);
        assertEquals(300_000, c.s.tcpInfo().rtoMicros(), "the handshake's and this 100 ms sample");
        c.write(1000);
        assertEquals(List.of("1001:2001"), c.sent());
        c.h.advance(299 * MS);
        assertEquals(List.of(), c.sent(), "not at RFC 6298's 250 ms");
        c.h.advance(2 * MS);
        // Linux's probe timer, clamped to the RTO, sends it as a tail loss probe.
        assertEquals(List.of("1001:2001"), c.sent(), "the retransmission 300 ms after the send");
    }

    @Test
    void tcpInfoCountsSegmentsOutAndRetransmissionsInFlightAsLinux() throws Exception {
        // tcpi_unacked is Linux's packets_out (SACKed segments included), tcpi_retrans its
        // retrans_out (sack-shift-sacked-*.pkt assert both once everything is acknowledged).
        Conn c = conn();
        assertEquals(0, c.s.tcpInfo().unacked());
        firstOfTenLost(c);
        assertEquals(List.of("1:1001"), c.sent());
        assertEquals(10, c.s.tcpInfo().unacked(), "ten out, three of them SACKed");
        assertEquals(1, c.s.tcpInfo().retrans(), "the fast retransmission is in flight");
        c.h.advance(100 * MS);
        c.ack(4001);
        // The retransmission is acknowledged; the originals sent before it and still missing are
        // lost by RACK (RFC 8985 6.2) and resent as PRR allows: those are in flight now.
        List<String> resent = c.sent();
        assertTrue(!resent.isEmpty() && resent.stream().allMatch(x -> Integer.parseInt(x.split(":")[0]) >= 4001), resent.toString());
        assertEquals(6, c.s.tcpInfo().unacked());
        assertEquals(resent.size(), c.s.tcpInfo().retrans(), "the acknowledged retransmission no longer counts: " + resent);
        c.ack(10001);
        c.sent();
        assertEquals(0, c.s.tcpInfo().unacked());
        assertEquals(0, c.s.tcpInfo().retrans());
    }
}
