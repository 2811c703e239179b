package io.tapwire.tcp;

import io.tapwire.event.Events;
import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.wire.Seq;
import io.tapwire.wire.TcpSegment;

/**
 * The receive side of segment arrival (RFC 9293 3.10.7.4, seventh and eighth checks): segment
 * text into the receive ring or the out-of-order queue, SACK and D-SACK blocks to report, ACK
 * scheduling (quick ACKs, every second segment, delayed ACK), the peer's FIN and TIME-WAIT. Under
 * {@code tcp_mem} pressure out-of-order data is pruned; above its max, data that needs new
 * receive storage is dropped ({@link TcpMemory}); beyond {@code tcp_max_tw_buckets} a connection
 * skips TIME-WAIT ({@link TimeWaitLimits}).
 */
final class TcpDataInput {
    private final StackConfig config;
    private final Statistics stats;
    private final TcpLayer layer;
    private final TcpOutput output;

    TcpDataInput(StackConfig config, Statistics stats, TcpLayer layer, TcpOutput output) {
        this.config = config;
        this.stats = stats;
        this.layer = layer;
        this.output = output;
    }

    /** Segment text whose first byte has sequence number {@code seq} (RFC 9293 3.10.7.4, seventh). */
    void receiveData(Tcb t, TcpSegment seg, int seq) {
        int len = seg.payloadLength();
        int dataOffset = seg.payloadOffset();
        long now = layer.now();
        if (t.lastDataTime != 0 && now - t.lastDataTime > t.rtt.rto()) {
            // Data after an idle period (longer than the RTO) is ACKed quickly again, as Linux's
            // tcp_event_data_recv re-enters quick-ACK mode.
            t.quickAcks = config.tcpQuickAcks;
        }
        t.lastDataTime = now;
        t.dataRecvStamp = now;
        int skip = Seq.diff(t.rcvNxt, seq);
        if (skip > 0) {
            if (t.sackOk && config.tcpDsack) {
                // RFC 2883: report the duplicate part in the first SACK block of the next ACK,
                // sent at once (a duplicate is answered immediately, RFC 5681 4.2).
                t.ackNow = true;
                t.dsackPending = true;
                t.dsackStart = seq;
                t.dsackEnd = Seq.add(seq, Math.min(skip, len));
            }
            seq = t.rcvNxt;
            dataOffset += skip;
            len -= skip;
        }
        if (len <= 0) {
            t.ackNow = true;
            return;
        }
        ByteRing ring = t.recvRing;
        long at = ring.tail() + Seq.diff(seq, t.rcvNxt);
        long limit = ring.head() + ring.capacity();
        if (at + len > limit) {
            len = (int) (limit - at);
            if (len <= 0) {
                t.ackNow = true;
                return;
            }
        }
        if (seq != t.rcvNxt && layer.memory().underPressure()) {
            // Linux, tcp_data_queue_ofo: under memory pressure the skb cannot be charged
            // (tcp_try_rmem_schedule), so the queue is pruned and the segment dropped (TCPOFODrop),
            // without an ACK; the sender retransmits.
            pruneOfoQueue(t);
            stats.drop(DropReason.TCP_OFO_DROP);
            return;
        }
        if (!ring.ensureStorage()) {
            // tcp_mem max: no storage for the receive ring. Linux drops such data too
            // (tcp_data_queue, TCPRcvQDrop) and does not ACK it; the sender retransmits once memory
            // has been given back. (Linux always charges the first skb of an empty queue, a few
            // hundred bytes; here the first byte would cost the whole ring, which is what the
            // limit exists to refuse.)
            stats.drop(DropReason.TCP_RCVQ_DROP);
            return;
        }
        if (t.sackOk && config.tcpDsack && !t.dsackPending) {
            // RFC 2883 4.1: bytes that repeat data already held out of order are a duplicate too.
            long[] overlap = t.ooo.firstOverlap(at, at + len);
            if (overlap != null) {
                t.ackNow = true;
                t.dsackPending = true;
                t.dsackStart = Seq.add(t.rcvNxt, (int) (overlap[0] - ring.tail()));
                t.dsackEnd = Seq.add(t.rcvNxt, (int) (overlap[1] - ring.tail()));
            }
        }
        // Bytes the device already read into the ring (header-data split) are not copied again.
        int placed = layer.iface().payloadPlacedAt(ring, ring.storage(), at, dataOffset - seg.payloadOffset(), len);
        if (placed < len) {
            ring.writeAt(at + placed, seg.buffer(), dataOffset + placed, len - placed);
        }
        TcpRxPlacement placement = layer.rings().rxPlacement();
        if (placement != null) {
            placement.touched();
        }
        if (seq == t.rcvNxt) {
            boolean hadGap = !t.ooo.isEmpty();
            long oldTail = ring.tail();
            long newTail = t.ooo.advance(at + len);
            ring.advanceTail(newTail);
            int advanced = (int) (newTail - oldTail);
            t.rcvNxt = Seq.add(t.rcvNxt, advanced);
            t.bytesReceived += advanced;
            if (config.tcpReceiverSws && len >= ReceiveWindow.GROW_MIN_LEN) {
                // Linux's tcp_event_data_recv: the window may grow (rcv_ssthresh) as data comes.
                // The ring charges a segment its length: its truesize here.
                output.receiveWindows().grow(t, len, len);
            }
            if (t.oooFinValid && t.oooFinSeq == t.rcvNxt) {
                t.oooFinValid = false;
                receiveFin(t);
            }
            // A receive-offloaded super-segment (GRO/LRO) stands for several wire segments: like
            // Linux's "more than one full frame received" test in __tcp_ack_snd_check, it is ACKed
            // at once rather than held for a second segment.
            t.unackedSegments += len > t.ourMss ? 2 : 1;
            if (hadGap) {
                // RFC 5681 4.2: ACK at once when a segment fills (part of) a gap.
                t.ackNow = true;
            } else if (t.quickAcks > 0) {
                t.quickAcks--;
                t.ackNow = true;
            } else if (t.unackedSegments >= 2) {
                // RFC 9293 3.8.6.3 / RFC 5681 4.2: ACK at least every second full-sized segment.
                t.ackNow = true;
            }
            if (placement != null) {
                placement.offer(t, seg.headerLength());
            }
            // sk_data_ready: an edge-triggered watcher sees one event per arrival.
            t.wake(Events.IN);
        } else {
            if (!t.ooo.add(at, at + len)) {
                stats.drop(DropReason.TCP_OFO_DROP);
            } else if (config.tcpReceiverSws && t.sackOk) {
                // tcp_data_queue_ofo grows the window for queued data, with SACK only (without it
                // the unchanged window keeps the dup ACKs pure for fast retransmit).
                output.receiveWindows().grow(t, len, len);
            }
            t.lastOooStart = at;
            t.lastOooEnd = at + len;
            // An out-of-order segment is answered at once with a duplicate ACK (RFC 5681 4.2).
            t.ackNow = true;
        }
    }

    void receiveFin(Tcb t) {
        t.rcvNxt = Seq.add(t.rcvNxt, 1);
        t.finReceived = true;
        t.ackNow = true;
        switch (t.state) {
            case SYN_RECEIVED, ESTABLISHED -> t.state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> {
                if (t.finAcked()) {
                    enterTimeWait(t);
                } else {
                    t.state = TcpState.CLOSING;
                    if (config.tcpBsdFinInClosing && t.finSent()) {
                        output.sendFinAck(t);
                    }
                }
            }
            case FIN_WAIT_2 -> enterTimeWait(t);
            default -> { }
        }
        t.wake(Events.IN | Events.RDHUP);
    }

    /**
     * Linux's {@code tcp_prune_ofo_queue}, under memory pressure: the out-of-order queue is
     * dropped from the highest sequence number down until memory is back under the limits; a
     * ring's storage is returned only once it holds nothing, so here the whole queue goes. Its
     * data is no longer SACKed (Linux resets the SACK state: RFC 2018 section 8 allows the
     * receiver to discard SACKed data, and the sender then retransmits it after a timeout) and an
     * out-of-order FIN is forgotten with it. Counted PruneCalled and, if data went, OfoPruned.
     */
    void pruneOfoQueue(Tcb t) {
        stats.inc(Stat.TCP_PRUNE_CALLED);
        if (t.ooo.isEmpty()) {
            return;
        }
        t.ooo.clear();
        t.oooFinValid = false;
        t.lastOooStart = -1;
        t.lastOooEnd = -1;
        if (t.dsackPending && Seq.gt(t.dsackEnd, t.rcvNxt)) {
            t.dsackPending = false;   // it reported bytes of the pruned queue
        }
        stats.inc(Stat.TCP_OFO_PRUNED);
        t.recvRing.releaseIfEmpty();
    }

    void enterTimeWait(Tcb t) {
        layer.orphans().gone(t);
        if (!layer.timeWaits().admit()) {
            // tcp_max_tw_buckets: Linux's tcp_time_wait finds no bucket and closes the connection
            // at once (tcp_done). The ACK of the peer's FIN still goes out (tcp_fin sends it
            // before tcp_time_wait); only the 2 MSL wait is skipped.
            if (t.ackNow) {
                output.sendAck(t);
            }
            layer.release(t);
            return;
        }
        t.state = TcpState.TIME_WAIT;
        t.timeWaitEntered = layer.now();
        layer.timerQueue().cancel(t.rtxTimer);
        layer.timerQueue().cancel(t.persistTimer);
        layer.timerQueue().cancel(t.keepaliveTimer);
        layer.timerQueue().arm(t.closeTimer(), layer.now() + config.tcpTimeWaitNanos);
        t.wake(Events.ANY);
    }
}
