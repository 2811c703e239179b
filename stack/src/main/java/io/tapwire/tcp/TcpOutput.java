package io.tapwire.tcp;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.net.Ipv4Output;
import io.tapwire.wire.Seq;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;


/**
 * What a connection puts on the wire: data within the send window and congestion window under
 * Nagle's algorithm and sender-side silly-window avoidance (RFC 9293 3.8.6.2.1, RFC 896), the FIN,
 * pure and delayed ACKs, window updates with receiver-side silly-window avoidance (RFC 9293
 * 3.8.6.2.2), SYN and SYN-ACK with the MSS option, probes, and RSTs for segments nobody owns.
 * {@link TcpSegmentWriter} writes each segment (data copied once, from the send ring into a TX descriptor).
 */
final class TcpOutput {
    private final StackConfig config;
    private final Ipv4Output ip;
    /** IPv6 output, or null while IPv6 is off. */
    private io.tapwire.net.Ipv6Output ip6;
    private final io.tapwire.Statistics stats;
    private final TcpLayer layer;
    private final TcpSegmentWriter writer;

    private final TcpRetransmit retransmit;
    private final ReceiveWindow receiveWindow;

    TcpOutput(StackConfig config, Ipv4Output ip, io.tapwire.Statistics stats, TcpLayer layer) {
        this.config = config;
        this.ip = ip;
        this.stats = stats;
        this.layer = layer;
        this.retransmit = new TcpRetransmit(config, stats, layer, this);
        this.receiveWindow = new ReceiveWindow(layer);
        this.writer = new TcpSegmentWriter(config, ip, stats, layer, this);
    }

    /** Linux's receive-window rules (rcv_ssthresh and its growth), used with {@code tcpReceiverSws}. */
    ReceiveWindow receiveWindows() {
        return receiveWindow;
    }

    /** Retransmissions in loss recovery (fast retransmit, SACK holes, RACK-lost segments, the loss probe). */
    TcpRetransmit retransmit() {
        return retransmit;
    }

    void setIpv6Output(io.tapwire.net.Ipv6Output out) {
        this.ip6 = out;
        writer.setIpv6Output(out);
    }

    /**
     * Sends what the connection may send now: new or retransmitted data, the FIN, and an ACK if one
     * is owed and nothing else carried it. Caller holds the connection's lock.
     */
    void output(Tcb t) {
        // A Fast Open server connection sends data in SYN_RECEIVED already (RFC 7413 4.2.2; Linux).
        boolean fastOpenSynRcvd = t.fastOpenChild && t.state == TcpState.SYN_RECEIVED;
        if ((!t.state.isSynchronized() && !fastOpenSynRcvd) || t.state == TcpState.TIME_WAIT) {
            if (t.ackNow && t.state == TcpState.TIME_WAIT) {
                sendAck(t);
            }
            return;
        }
        // RFC 5681 4.1 / Linux tcp_slow_start_after_idle: cwnd restarts after an idle RTO.
        TcpIdleRestart.beforeSend(config, t, layer.now());
        boolean sentSomething = false;
        boolean sentNew = false;
        // Linux's tcp_current_mss: the MSS follows a route change seen since the last send.
        TcpMtuProbing.currentMss(t);
        boolean holdNew = false;
        if (t.mtupEnabled && t.sndNxt == t.sndMax) {
            // Linux's tcp_write_xmit starts with tcp_mtu_probe: one larger segment of new data.
            long at = t.sendOffset(t.sndNxt);
            int queued = (int) Math.max(0, t.sendRing.tail() - at);
            int probe = TcpMtuProbing.probeLength(config, t, t.sndMss, queued, layer.recovery().reordering(t), layer.now());
            if (probe == TcpMtuProbing.WAIT) {
                holdNew = true;
            } else if (probe > 0) {
                int seq = t.sndNxt;
                if (transmit(t, at, probe, TcpSegment.ACK, false, 0, probe)) {
                    TcpMtuProbing.probeSent(t, seq, probe, t.sndMss);
                    sentSomething = true;
                    sentNew = true;
                } else {
                    layer.outputBlocked(t);
                    holdNew = true;
                }
            }
        }
        while (!holdNew) {
            if (t.sackOk && !t.scoreboard.isEmpty() && Seq.lt(t.sndNxt, t.sndMax)) {
                // Resending after a timeout: skip what the peer has SACKed (RFC 6675 section 5.1).
                t.sndNxt = t.scoreboard.skipSacked(t.sndNxt);
            }
            long offset = t.sendOffset(t.sndNxt);
            long dataEnd = t.sendRing.tail();
            int unsent = (int) Math.max(0, dataEnd - offset);
            int inFlight = t.inFlight();
            // A Fast Open child's SYN-ACK is its request's in Linux (tcp_fastopen_create_child), not
            // in the child's packets_out: the unacknowledged SYN takes no room in cwnd, only in the
            // peer's window (tcp_snd_wnd_test counts from snd_una).
            int synRoom = fastOpenSynRcvd && t.sndUna == t.iss && !config.tcpBsdFastOpenSynWindow ? 1 : 0;
            int window = Math.min(t.sndWnd, t.cc.cwnd() + synRoom);
            int usable = Math.max(0, Seq.diff(Seq.add(t.sndUna, window), t.sndNxt));
            int pipe = layer.recovery().pipeForCwndTest(t);
            if (pipe >= 0) {
                // In DISORDER and (with PRR) RECOVERY, or F-RTO's new data after a timeout, the
                // congestion window bounds what is in the network, not the span from snd.una
                // (Linux tcp_cwnd_test with tcp_packets_in_flight): SACKed segments, segments
                // reported by duplicate ACKs and lost ones have left it. In DISORDER that is
                // limited transmit (RFC 3042): each early duplicate ACK lets a new segment out.
                int cwndRoom = t.cc.cwnd() - pipe;
                int rwndRoom = Seq.diff(Seq.add(t.sndUna, t.sndWnd), t.sndNxt);
                usable = Math.max(0, Math.min(cwndRoom, rwndRoom));
            }
            int maxData = maxSegmentData(t);
            boolean retransmitting = Seq.lt(t.sndNxt, t.sndMax);
            int tsoData = superSegmentData(t, maxData);
            boolean gsoPush = !config.tcpBsdPush;
            // One GSO packet's worth of new data (Linux's tcp_write_xmit: at most tcp_tso_segs, also
            // without TSO, since Linux's software GSO is always on for TCP); BSD sends wire-sized
            // segments unless the device cuts super-segments.
            int burst = retransmitting ? maxData : gsoPush ? gsoBurstData(t, maxData) : tsoData;
            int len = Math.min(Math.min(unsent, burst), usable);
            if (t.sackOk && !t.scoreboard.isEmpty() && retransmitting) {
                len = Math.min(len, Seq.diff(t.scoreboard.nextSackedStart(t.sndNxt, t.sndMax), t.sndNxt));
            }
            // An skb that ran out of zerocopy fragments (tcp_mark_push) leaves as a packet of its
            // own with PSH; Linux's tcp_write_xmit holds only the last skb back for Nagle.
            long mark = retransmitting || len == 0 || config.tcpBsdSendBuffer ? Long.MAX_VALUE : t.sendBuf.nextPushMark(offset);
            boolean atMark = false;
            boolean atSkbEnd = false;
            if (mark <= offset + len) {
                len = (int) (mark - offset);
                atMark = mark < dataEnd;
            } else if (!retransmitting && len > 0 && !config.tcpBsdSendBuffer) {
                // One packet never carries two skbs (tcp_write_xmit sends skb by skb); an skb
                // followed by another is not held back by Nagle (TCP_NAGLE_PUSH for all but the last).
                long end = t.sendBuf.skbEnd(offset);
                if (end < offset + len) {
                    len = (int) (end - offset);
                }
                atSkbEnd = offset + len == end && end < dataEnd;
            }
            boolean fin = false;
            if (len > 0) {
                boolean all = len == unsent;
                // Nagle and sender SWS avoidance hold back new data only (RFC 9293 3.8.6.2.1): a
                // retransmission below snd.max goes at the size of its hole, as Linux's
                // tcp_retransmit_skb sends a lost skb without tcp_nagle_test.
                if (len < maxData && !retransmitting && !atMark && !atSkbEnd && !mayBeSentShort(t, len, all, inFlight)) {
                    break;
                }
                int tail = len % maxData;
                if (len > maxData && tail != 0 && !mayBeSentShort(t, tail, all, inFlight + len - tail)) {
                    // The short tail of a super-segment waits like any short segment would (Linux,
                    // tcp_mss_split_point): only whole segments go now.
                    len -= tail;
                    all = false;
                }
                fin = all && t.finQueued;
            } else if (t.finQueued && unsent == 0 && !t.finSent()) {
                fin = true;
            } else {
                break;
            }
            // PSH on the segment holding the last byte written (Linux's tcp_push marks the tail of
            // each write; FreeBSD sets it when the send buffer empties) and, in Linux, on every GSO
            // packet of more than one segment (__tcp_transmit_skb: "Force a PSH flag on all (GSO)
            // packets to expedite GRO flush at receiver"), which the device (or software GSO) leaves
            // on the packet's last segment only.
            boolean push = len > 0 && (len == unsent || atMark || (gsoPush && len > maxData));
            // Without TSO the packet leaves as wire-sized segments, the flags on the last.
            int piece = tsoData >= len ? len : maxData;
            int done = 0;
            boolean blocked = false;
            boolean resent = Seq.lt(t.sndNxt, t.sndMax);
            do {
                int n = Math.min(piece, len - done);
                boolean last = done + n == len;
                int flags = TcpSegment.ACK | (last && fin ? TcpSegment.FIN : 0) | (last && push ? TcpSegment.PSH : 0);
                if (!transmit(t, offset + done, n, flags, last && fin, n > maxData ? maxData : 0, maxData)) {
                    blocked = true;
                    break;
                }
                done += n;
                sentSomething = true;
                sentNew |= !resent;
            } while (done < len);
            if (done > 0 && !resent && !config.tcpBsdSendBuffer) {
                // Sending part of an skb splits it where this GSO packet ends (tso_fragment): its
                // unsent rest is an skb of its own.
                t.sendBuf.sent(t.sendOffset(t.sndMax));
            }
            if (blocked) {
                // Most likely the TX ring is full: try again once the device has drained it.
                layer.outputBlocked(t);
                break;
            }
            if (fin) {
                break;
            }
        }
        // Linux's tcp_write_xmit: receive-window limited when cwnd had room but the peer's window
        // did not admit the next segment (tcp_snd_wnd_test), which starts or stops that chrono.
        long unsentNow = t.sendRing.tail() - t.sendOffset(t.sndNxt);
        if (unsentNow > 0 && t.inFlight() < t.cc.cwnd()
                && Seq.diff(Seq.add(t.sndUna, t.sndWnd), t.sndNxt) < Math.min(unsentNow, maxSegmentData(t))) {
            t.chrono.start(TcpChrono.RWND_LIMITED, layer.now());
        } else {
            t.chrono.stop(TcpChrono.RWND_LIMITED, layer.now(), t.sendRing.size() == 0);
        }
        // Linux's tcp_write_xmit ends with tcp_cwnd_validate: cwnd-limited when what is in flight
        // fills cwnd (Linux counts segments: less than one segment of room left, in bytes).
        boolean cwndLimited = t.inFlight() + t.sndMss > t.cc.cwnd();
        if (sentSomething || cwndLimited) {
            cwndValidate(t, cwndLimited);
        }
        // Data waiting, nothing in flight, nothing sent: the window is zero or too small to pass
        // silly-window avoidance. The persist timer probes a zero window (RFC 9293 3.8.6.1) and
        // is the override timeout that sends into a small one (RFC 9293 3.8.6.2.1), as Linux's
        // probe timer does.
        if (t.inFlight() == 0 && t.sendOffset(t.sndNxt) < t.sendRing.tail()
                && !Tcb.armed(t.persistTimer) && !Tcb.armed(t.rtxTimer)) {
            layer.timerQueue().arm(t.persistTimer(), layer.now() + t.rtt.rto());
        }
        if (!sentSomething && t.ackNow) {
            sendAck(t);
        }
        if (t.sndNoSpace && (sentSomething || !config.tcpBsdSendBuffer)) {
            // Sending lowered the unsent bytes: a writer held by TCP_NOTSENT_LOWAT may go on.
            // Linux's tcp_data_snd_check: tcp_check_space after the push of every ACK.
            t.wakeWriters();
        }
        if (sentNew) {
            // RFC 8985 7.2: new data went out, the probe timeout is scheduled again.
            layer.recovery().scheduleLossProbe(t);
        }
    }

    /**
     * Linux's tcp_cwnd_validate: keeps the strongest sign of the flow being cwnd-limited over the
     * current window, with the most bytes outstanding in it; a new window starts once snd_una has
     * passed the end of the last one. {@link Tcb#isCwndLimited} reads it.
     */
    static void cwndValidate(Tcb t, boolean cwndLimited) {
        int out = Math.max(0, Seq.diff(t.sndMax, t.sndUna));
        if (!Seq.lt(t.sndUna, t.cwndUsageSeq) || cwndLimited || (!t.cwndLimited && out > t.maxBytesOut)) {
            t.cwndLimited = cwndLimited;
            t.maxBytesOut = out;
            t.cwndUsageSeq = t.sndNxt;
        }
        // The network starves (not cwnd-limited), nothing is left to send and a writer found no
        // space: the send buffer is what limits (tcp_cwnd_validate starts that chrono).
        if (!t.layer.config().tcpBsdSendBuffer && !t.isCwndLimited() && t.notSent() == 0 && t.sndNoSpace
                && (t.state == TcpState.ESTABLISHED || t.state == TcpState.CLOSE_WAIT)) {
            t.chrono.start(TcpChrono.SNDBUF_LIMITED, t.layer.now());
        }
    }

    /**
     * Sends one segment (or super-segment of {@code gsoSize}-byte segments) of new or retransmitted
     * data at sndNxt and accounts for it: retransmission counters, the RTT sample (Karn's rule),
     * sndNxt/sndMax, Nagle's last short segment (shorter than {@code maxData}), the retransmission
     * timer. False when the IP
     * layer could not take it.
     */
    private boolean transmit(Tcb t, long offset, int len, int flags, boolean fin, int gsoSize, int maxData) {
        if (!send(t, t.sndNxt, flags, offset, len, false, gsoSize)) {
            return false;
        }
        // ip_queue_xmit's dst check: a changed route is taken now, its MTU used from the next send.
        TcpMtuProbing.revalidate(layer, t);
        boolean retransmission = Seq.lt(t.sndNxt, t.sndMax);
        // The per-segment record RACK, PRR and the undo logic read (RFC 8985 6.1).
        layer.recovery().recordSent(t, t.sndNxt, len + (fin ? 1 : 0), maxData, retransmission, tsVal(t));
        if (retransmission) {
            t.totalRetransmits++;
            stats.inc(Stat.TCP_RETRANS_SEGS);
        } else if (!t.rttTiming && len > 0) {
            // Karn's rule (RFC 6298 section 3): time only segments sent for the first time.
            t.rttTiming = true;
            t.rttSeq = t.sndNxt;
            t.rttStart = layer.now();
        }
        t.sndNxt = Seq.add(t.sndNxt, len + (fin ? 1 : 0));
        if (Seq.gt(t.sndNxt, t.sndMax)) {
            t.sndMax = t.sndNxt;
        }
        if (len > 0 && len % maxData != 0 && !retransmission) {
            // The last (or only) wire segment was short. Only new data counts (Linux's
            // tcp_minshall_update runs in tcp_write_xmit, not for retransmissions such as Fast
            // Open SYN data the SYN-ACK did not cover).
            t.sndSml = t.sndNxt;
        }
        if (!Tcb.armed(t.rtxTimer)) {
            layer.timerQueue().arm(t.rtoTimer(), layer.now() + t.rtt.rto());
        }
        return true;
    }

    /**
     * The new data one GSO packet may carry, as Linux's tcp_tso_autosize and tcp_tso_segs size
     * it: what the pacing rate sends in about 1 ms ({@code sk_pacing_shift} 10), plus 64 KB
     * shifted right by one per 512 us of minimum RTT ({@code tcp_tso_rtt_log} 9, so a LAN gets
     * whole 64 KB packets), at least {@code tcp_min_tso_segs} segments, at most 64 KB and half
     * of cwnd (tcp_cwnd_test); whole segments of {@code maxData}.
     */
    int gsoBurstData(Tcb t, int maxData) {
        int cap = Math.max(1, (65536 - TcpSegment.MAX_HEADER_LENGTH) / maxData);
        long bytes = pacingRate(t) >> 10;
        if (t.rtt.hasSample()) {
            long r = (t.rtt.minRtt() / 1000) >> 9;
            if (r < 32) {
                bytes += 65536L >> r;
            }
        }
        long segs = Math.max(config.tcpMinTsoSegs, bytes / maxData);
        // tcp_cwnd_test: "ensure we have at least 2 GSO packets in flight": at most half of cwnd.
        int halfCwnd = Math.max(1, t.cc.cwnd() / Math.max(1, t.sndMss) / 2);
        return (int) Math.min(Math.min(cap, segs), halfCwnd) * maxData;
    }

    /**
     * Linux's pacing rate in bytes per second (tcp_update_pacing_rate): cwnd (or the segments in
     * flight, if more) per smoothed RTT, times {@code tcp_pacing_ss_ratio} while cwnd is below
     * half of ssthresh, else {@code tcp_pacing_ca_ratio}; without an RTT sample unlimited
     * (Linux's initial {@code sk_pacing_rate} of ~0). tapwire does not pace: the rate only sizes
     * GSO packets.
     */
    long pacingRate(Tcb t) {
        long srtt = t.rtt.srtt();
        if (!t.rtt.hasSample() || srtt <= 0) {
            return Long.MAX_VALUE;
        }
        long cwnd = t.cc.cwnd();
        int ratio = cwnd < t.cc.ssthresh() / 2 ? config.tcpPacingSsRatio : config.tcpPacingCaRatio;
        long window = Math.max(cwnd, t.inFlight());
        return (long) ((double) window * ratio / 100 * 1_000_000_000L / srtt);
    }

    /**
     * Data bytes the next segment may carry: the send MSS (already less the timestamp option)
     * less the SACK blocks it will carry, as Linux's tcp_current_mss counts them, so that no
     * segment exceeds the MTU (RFC 6691: the MSS counts no options).
     */
    int maxSegmentData(Tcb t) {
        int md5 = TcpMd5.optionBytes(t);   // RFC 2385's 20 bytes come off every segment's data (tcp_current_mss)
        if (!t.sackOk) {
            return Math.max(1, t.sndMss - md5);
        }
        int fit = (TcpOptions.MAX_LENGTH - md5 - (t.tsOk ? 12 : 0) - 4) / TcpOptions.LENGTH_SACK_PER_BLOCK;
        int blocks = Math.max(0, Math.min((t.dsackPending ? 1 : 0) + t.ooo.count(), fit));
        return blocks == 0 ? Math.max(1, t.sndMss - md5) : Math.max(1, t.sndMss - md5 - 4 - blocks * TcpOptions.LENGTH_SACK_PER_BLOCK);
    }

    /**
     * The most new data one super-segment may carry for the device to cut into {@code maxData}-byte
     * segments (TCP segmentation offload), or {@code maxData} when segments must be wire-sized.
     * Like Linux's tcp_tso_autosize: whole segments, at most 64 KB (the device's largest datagram
     * less the IP header and the largest TCP header), over either family (TSO / TSO6).
     */
    int superSegmentData(Tcb t, int maxData) {
        Ipv6Endpoints e6 = t.v6;
        int limit = e6 == null ? ip.superSegmentLimit(t.remoteAddress)
                : ip6.superSegmentLimit(e6.remote().hi(), e6.remote().lo());
        if (limit == 0 || TcpMd5.optionBytes(t) > 0) {
            return maxData;   // each signed segment has its own digest: Linux's sk_gso_disable for MD5
        }
        int segments = (limit - TcpSegment.MAX_HEADER_LENGTH) / maxData;
        return Math.max(1, segments) * maxData;
    }

    /**
     * Sender silly-window avoidance and Nagle (RFC 9293 3.8.6.2.1, RFC 1122 4.2.3.4): a short
     * segment goes out only if it is all the data there is and Nagle allows it, or it is at least
     * half the largest window the peer offered. Nagle is Linux's (Minshall's variant): a short
     * segment waits only while an earlier short segment is unacknowledged, so the tail of a
     * large write is not held back behind full-sized segments.
     */
    private static boolean mayBeSentShort(Tcb t, int len, boolean all, int inFlight) {
        if (t.settings.cork || t.msgMore) {
            // TCP_CORK / MSG_MORE (Linux's TCP_NAGLE_CORK): a partial segment waits for more data,
            // the uncork, or the probe timer (RTO, at least 200 ms: Linux's ceiling); one that
            // carries the FIN goes (tcp_nagle_check).
            return all && t.finQueued;
        }
        if (all && (t.nodelay || inFlight == 0 || t.finQueued || !Seq.gt(t.sndSml, t.sndUna))) {
            return true;
        }
        return t.maxSndWnd > 0 && len >= t.maxSndWnd / 2 && inFlight == 0;
    }

    /** The window to advertise now, never moving the right edge left (RFC 9293 3.8.6.2.2). */
    int receiveWindow(Tcb t) {
        if (config.tcpReceiverSws) {
            return receiveWindow.choose(t);
        }
        int limit = windowLimit(t);
        int free = receiveSpace(t, limit);
        int current = Math.max(0, Seq.diff(t.rcvAdv, t.rcvNxt));
        // BSD: all free space (sbspace), the right edge never moving left.
        return Math.max(free, current);
    }

    /** True when reading has opened the window enough that the peer should hear of it. */
    boolean windowUpdateDue(Tcb t) {
        if (!t.state.canReceive()) {
            return false;
        }
        if (config.tcpReceiverSws) {
            // Linux's tcp_cleanup_rbuf: only when the new window doubles the one still open.
            return receiveWindow.updateDue(t);
        }
        int limit = windowLimit(t);
        int free = receiveSpace(t, limit);
        int current = Math.max(0, Seq.diff(t.rcvAdv, t.rcvNxt));
        // BSD's rule (tcp_output): update once the window can grow by two segments or by
        // half the buffer.
        return free - current >= 2 * t.ourMss || 2 * (free - current) >= limit;
    }

    /**
     * The space we may offer: free buffer space up to {@code limit}, and under {@code tcp_mem}
     * pressure at most four segments, as Linux's {@code __tcp_select_window} clamps
     * {@code rcv_ssthresh} to 4 advmss (so senders slow down while memory is short; the right
     * edge already offered never moves back).
     */
    private int receiveSpace(Tcb t, int limit) {
        int free = Math.min(t.freeReceiveSpace(), limit);
        if (layer.memory().underPressure()) {
            free = Math.min(free, 4 * t.ourMss);
        }
        return free;
    }

    /** The largest window we can advertise: the buffer, or what 16 bits scaled by our shift can say. */
    private static int windowLimit(Tcb t) {
        return Math.min(t.recvRing.capacity(), 65535 << t.rcvWscale);
    }

    /** Sends what the peer's window allows now, even a short segment (the SWS override). Returns bytes sent. */
    int forceSend(Tcb t) {
        long offset = t.sendOffset(t.sndNxt);
        int unsent = (int) Math.max(0, t.sendRing.tail() - offset);
        int usable = Math.max(0, Seq.diff(Seq.add(t.sndUna, t.sndWnd), t.sndNxt));
        int len = Math.min(Math.min(unsent, usable), maxSegmentData(t));
        if (len <= 0 || !send(t, t.sndNxt, TcpSegment.ACK | TcpSegment.PSH, offset, len, false)) {
            return 0;
        }
        boolean resent = Seq.lt(t.sndNxt, t.sndMax);
        if (resent) {
            t.totalRetransmits++;
            stats.inc(Stat.TCP_RETRANS_SEGS);
        }
        layer.recovery().recordSent(t, t.sndNxt, len, maxSegmentData(t), resent, tsVal(t));
        t.sndNxt = Seq.add(t.sndNxt, len);
        if (Seq.gt(t.sndNxt, t.sndMax)) {
            t.sndMax = t.sndNxt;
        }
        if (!Tcb.armed(t.rtxTimer)) {
            layer.timerQueue().arm(t.rtoTimer(), layer.now() + t.rtt.rto());
        }
        return len;
    }

    /** The ACK of the peer's FIN carried by a retransmission of our unacknowledged FIN (BSD's CLOSING). */
    void sendFinAck(Tcb t) {
        if (send(t, t.finSeq, TcpSegment.FIN | TcpSegment.ACK, 0, 0, false)) {
            t.totalRetransmits++;
            stats.inc(Stat.TCP_RETRANS_SEGS);
        }
    }

    void sendAck(Tcb t) {
        // A pure ACK carries the next unsent sequence number, not a retransmission's: after a
        // timeout rolled sndNxt back, an older number would be outside the peer's window and the
        // ACK dropped (BSD tcp_output uses snd_max here, Linux never rolls snd_nxt back).
        send(t, Seq.gt(t.sndMax, t.sndNxt) ? t.sndMax : t.sndNxt, TcpSegment.ACK, 0, 0, false);
    }

    /** A zero-window or keepalive probe: an ACK with an old sequence number the peer must answer. */
    void sendProbe(Tcb t) {
        send(t, Seq.add(t.sndUna, -1), TcpSegment.ACK, 0, 0, false);
    }

    /** SYN (active open) or SYN-ACK (passive or simultaneous open), with our MSS. */
    void sendSyn(Tcb t, boolean withAck) {
        // Fast Open data rides in the first SYN only; a retransmitted SYN carries the cookie but
        // no data (Linux sends the data as a segment of its own, tcp_send_syn_data).
        int data = !withAck && t.synRetries == 0 ? Math.min(t.synDataLength, (int) t.sendRing.size()) : 0;
        send(t, t.iss, TcpSegment.SYN | (withAck ? TcpSegment.ACK : 0), t.sendRing.head(), data, true);
        if (Seq.le(t.sndNxt, t.iss) || data > 0) {
            t.sndNxt = Seq.add(t.iss, 1 + data);
            if (Seq.gt(t.sndNxt, t.sndMax)) {
                t.sndMax = t.sndNxt;
            }
        }
    }

    /**
     * RST+ACK with our next sequence number and the peer's, window 0: the reset of RFC 793's
     * in-window SYN rule, and the one the application's abort sends (close() with unread data, RFC
     * 2525 2.17; SO_LINGER 0) as Linux's tcp_send_active_reset does (which puts its receive window
     * in it where this says 0; a RST's receiver ignores the window).
     */
    void sendResetAck(Tcb t) {
        sendRaw(t.v6, t.localAddress, t.localPort, t.remoteAddress, t.remotePort, t.sndNxt, t.rcvNxt, TcpSegment.RST | TcpSegment.ACK);
    }

    /** RST for an established connection being aborted (RFC 9293 3.10.5). */
    void sendReset(Tcb t) {
        sendRaw(t.v6, t.localAddress, t.localPort, t.remoteAddress, t.remotePort, t.sndNxt, 0, TcpSegment.RST);
    }

    // Segments are built and handed to IP by TcpSegmentWriter; these keep its callers' names.

    /** See {@link TcpSegmentWriter#send(Tcb, int, int, long, int, boolean)}. */
    boolean send(Tcb t, int seq, int flags, long dataOffset, int len, boolean syn) {
        return writer.send(t, seq, flags, dataOffset, len, syn, 0);
    }

    /** See {@link TcpSegmentWriter#send(Tcb, int, int, long, int, boolean, int)}. */
    boolean send(Tcb t, int seq, int flags, long dataOffset, int len, boolean syn, int gsoSize) {
        return writer.send(t, seq, flags, dataOffset, len, syn, gsoSize);
    }

    /** Our timestamp clock for {@code t} ({@link TcpSegmentWriter#tsVal}). */
    int tsVal(Tcb t) {
        return writer.tsVal(t);
    }

    /** See {@link TcpSegmentWriter#sendStatelessSynAck}. */
    void sendStatelessSynAck(int src, int srcPort, int dst, int dstPort, int seq, int ack, int window, int mss,
                             boolean sack, boolean timestamps, int tsVal, int tsEcr, int wscale, boolean ece) {
        writer.sendStatelessSynAck(src, srcPort, dst, dstPort, seq, ack, window, mss, sack, timestamps, tsVal, tsEcr, wscale, ece);
    }

    /** See {@link TcpSegmentWriter#sendResetFor}. */
    void sendResetFor(int localAddress, int remoteAddress, TcpSegment in, int segmentLength) {
        writer.sendResetFor(localAddress, remoteAddress, in, segmentLength);
    }

    /** See {@link TcpSegmentWriter#sendRaw(int, int, int, int, int, int, int)}. */
    void sendRaw(int src, int srcPort, int dst, int dstPort, int seq, int ackNum, int flags) {
        writer.sendRaw(src, srcPort, dst, dstPort, seq, ackNum, flags);
    }

    /** See {@link TcpSegmentWriter#sendRaw(Ipv6Endpoints, int, int, int, int, int, int, int)}. */
    void sendRaw(Ipv6Endpoints e6, int src, int srcPort, int dst, int dstPort, int seq, int ackNum, int flags) {
        writer.sendRaw(e6, src, srcPort, dst, dstPort, seq, ackNum, flags);
    }

    /** The segment writer, whose {@code refused} flag {@link TcpTimers#onPersist} reads. */
    TcpSegmentWriter writer() {
        return writer;
    }
}
