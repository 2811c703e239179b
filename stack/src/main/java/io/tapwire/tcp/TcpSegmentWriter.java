package io.tapwire.tcp;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.event.Events;
import io.tapwire.link.Descriptor;
import io.tapwire.net.Ipv4Output;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.Seq;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;

import java.nio.ByteBuffer;

/**
 * Builds one TCP segment and hands it to IPv4 or IPv6: the header, the options in Linux's layout
 * (or BSD's), SACK blocks (RFC 2018, D-SACK RFC 2883), timestamps (RFC 7323), the MD5 signature
 * (RFC 2385), the data copied once from the send ring into the TX descriptor, GSO super-segments
 * with a partial checksum, and the connection's bookkeeping of what was sent. {@link TcpOutput}
 * decides what to send; this class only writes it.
 */
final class TcpSegmentWriter {
    private final StackConfig config;
    private final Ipv4Output ip;
    /** IPv6 output, or null while IPv6 is off. */
    private io.tapwire.net.Ipv6Output ip6;
    private final io.tapwire.Statistics stats;
    private final TcpLayer layer;
    private final TcpOutput output;
    private final TcpSegment seg = new TcpSegment();
    private final TcpOptions options = new TcpOptions();
    /**
     * The device gathers TX payload from outside the frame and completes checksums, so data
     * segments point into the (direct) send ring instead of carrying a copy.
     */
    private final boolean gather;

    TcpSegmentWriter(StackConfig config, Ipv4Output ip, io.tapwire.Statistics stats, TcpLayer layer, TcpOutput output) {
        this.config = config;
        this.ip = ip;
        this.stats = stats;
        this.layer = layer;
        this.output = output;
        this.gather = layer.rings().gatherSend();
    }

    void setIpv6Output(io.tapwire.net.Ipv6Output out) {
        this.ip6 = out;
    }

    // The one place output differs by family: where the segment goes and the header around it.

    private ByteBuffer begin(Ipv6Endpoints e6, int dst, int segLen) {
        if (e6 == null) {
            return ip.begin(dst, Ipv4Packet.PROTO_TCP, segLen);
        }
        return ip6.begin(e6.local(), e6.remote().hi(), e6.remote().lo(), io.tapwire.wire.Ipv6Packet.NH_TCP, segLen);
    }

    private int payloadOffset(Ipv6Endpoints e6) {
        return e6 == null ? ip.payloadOffset() : ip6.payloadOffset();
    }

    /** Checksums the segment over the family's pseudo-header and sends it (IPv4 with DF; IPv6 never fragments TCP). */
    private void commit(TcpSegment s, Ipv6Endpoints e6, int src, int dst, int tos) {
        if (e6 == null) {
            s.fillChecksum(src, dst);
            // Linux sets DF on TCP (path MTU discovery, RFC 1191); our segments never exceed the MTU.
            ip.commit(tos, true);
            return;
        }
        io.tapwire.wire.Ipv6Address l = e6.local();
        io.tapwire.wire.Ipv6Address r = e6.remote();
        s.fillChecksum6(l.hi(), l.lo(), r.hi(), r.lo());
        ip6.commit(tos, e6.flowLabel(), config.ipv6HopLimit);
    }

    /**
     * A SYN-ACK that belongs to no connection: a SYN cookie's ({@link TcpCookieHandshake}). It
     * carries what {@link #sendSyn} would put in a SYN-ACK for the same negotiation, in the same
     * layout: our MSS, SACK-permitted if {@code sack}, timestamps ({@code tsVal}, {@code tsEcr}) if
     * {@code timestamps}, our window scale {@code wscale} unless it is -1, ECE if {@code ece}.
     * {@code window} is unscaled (RFC 7323 2.2).
     */
    void sendStatelessSynAck(int src, int srcPort, int dst, int dstPort, int seq, int ack, int window, int mss,
                             boolean sack, boolean timestamps, int tsVal, int tsEcr, int wscale, boolean ece) {
        options.clear();
        options.setMss(mss);
        if (sack) {
            options.setSackPermitted(true);
        }
        if (timestamps) {
            options.setTimestamps(tsVal, tsEcr);
        }
        if (wscale >= 0) {
            options.setWindowScale(wscale);
        }
        boolean bsd = config.tcpBsdOptionLayout;
        int optLen = bsd ? options.encodedLengthBsd() : options.encodedLength();
        int segLen = TcpSegment.MIN_HEADER_LENGTH + optLen;
        Ipv6Endpoints e6 = layer.context6();
        ByteBuffer b = begin(e6, dst, segLen);
        if (b == null) {
            return;
        }
        int at = payloadOffset(e6);
        TcpSegment s = seg.wrapForWrite(b, at, segLen);
        s.setSrcPort(srcPort);
        s.setDstPort(dstPort);
        s.setSeq(seq);
        s.setAck(ack);
        s.setHeaderLength(segLen);
        s.setFlags(TcpSegment.SYN | TcpSegment.ACK | (ece ? TcpSegment.ECE : 0));
        s.setWindow(window);
        s.setUrgentPointer(0);
        if (bsd) {
            options.writeBsd(b, at + TcpSegment.MIN_HEADER_LENGTH);
        } else {
            options.write(b, at + TcpSegment.MIN_HEADER_LENGTH);
        }
        commit(s, e6, src, dst, 0);
        stats.inc(Stat.TCP_OUT_SEGS);
    }

    /**
     * Writes one segment; returns false if the IP layer could not take it (TX ring full, no
     * route). Data comes from the send ring at {@code dataOffset}. SYNs carry the options we offer
     * (or accept, on a SYN-ACK) in Linux's layout; later segments carry timestamps and SACK blocks
     * when those were negotiated.
     */
    boolean send(Tcb t, int seq, int flags, long dataOffset, int len, boolean syn) {
        return send(t, seq, flags, dataOffset, len, syn, 0);
    }

    /**
     * {@link #send(Tcb, int, int, long, int, boolean)} for a segment of any size: with
     * {@code gsoSize > 0} and more data than that, one super-segment the device cuts into
     * {@code gsoSize}-byte segments, each with the same header but its own sequence number and
     * checksum, FIN and PSH on the last only, CWR on the first only (Linux's tcp_gso_segment).
     */
    boolean send(Tcb t, int seq, int flags, long dataOffset, int len, boolean syn, int gsoSize) {
        boolean ack = (flags & TcpSegment.ACK) != 0;
        if (!syn && len > 0 && t.mtupProbeSize != 0) {
            TcpMtuProbing.retransmitting(t, seq, stats);
        }
        byte[] md5Key = t.md5Keys == null ? null : TcpMd5.keyFor(t);
        // IP_TOS / IPV6_TCLASS: the socket's DSCP bits; the ECN field is the stack's (RFC 3168 5).
        int tos = t.settings.tos;
        if (syn) {
            if (!ack && config.tcpEcn == 1 && t.synRetries <= config.tcpEcnMaxRetries) {
                // ECN-setup SYN (RFC 3168 6.1.1). A retransmitted SYN drops ECE and CWR after
                // tcpEcnMaxRetries (Linux's tcp_ecn_fallback: at once; FreeBSD's ecn.maxretries).
                flags |= TcpSegment.ECE | TcpSegment.CWR;
            } else if (ack && t.ecnOk) {
                flags |= TcpSegment.ECE;                     // ECN-setup SYN-ACK
            }
        } else if (t.ecnOk) {
            if (ack && t.ecePending) {
                flags |= TcpSegment.ECE;
            }
            if (len > 0 && Seq.ge(seq, t.sndMax)) {
                // New data is ECN-capable (ECT(0)); retransmissions and pure ACKs are not (RFC 3168 6.1.5).
                tos |= 0x02;
                if (t.cwrPending) {
                    flags |= TcpSegment.CWR;
                    t.cwrPending = false;
                }
            }
        }
        options.clear();
        if (syn && t.settings.noOpt) {
            // TCP_NOOPT (FreeBSD): the SYN or SYN-ACK carries no options at all.
        } else if (syn && !ack && TcpNegotiation.synOptionsDropped(config, t)) {
            options.setMss(t.ourMss);   // rexmit_drop_options: the MSS alone from the third retransmission
        } else if (syn) {
            options.setMss(t.ourMss);
            boolean synAck = ack;
            if (config.tcpSack && (!synAck || t.sackOk)) {
                options.setSackPermitted(true);
            }
            // With an MD5 key the SYN carries no timestamps (Linux's tcp_syn_options: no room).
            if (config.tcpTimestamps && (!synAck || t.tsOk) && (synAck || md5Key == null)) {
                int ts = tsVal(t);
                // Linux's tcp_syn_options echoes rx_opt.ts_recent on a SYN too: 0 for a new
                // connection, the TIME_WAIT's TS.Recent for one that took over its 4-tuple.
                options.setTimestamps(ts, t.tsRecent);
                if (!synAck && t.synFirstTsVal == Tcb.NO_TS) {
                    t.synFirstTsVal = ts;
                }
            }
            if (config.tcpWindowScaling && (!synAck || t.wscaleOk)) {
                options.setWindowScale(t.rcvWscale);
            }
            if (t.foLength >= 0 && t.synRetries == 0 && (!synAck || t.parent != null)) {
                // RFC 7413 4.1.1: our cookie (or an empty option asking for one) on a SYN; a
                // listener's cookie on its SYN-ACK (never the client's own cookie on the SYN-ACK
                // of a simultaneous open). Only the first: Linux sends retransmitted SYNs
                // and SYN-ACKs without the option (tcp_send_syn_data frees the request,
                // tcp_rtx_synack passes no cookie).
                options.setFastOpen(t.foCookie, t.foLength, t.foExperimental);
            }
        } else {
            if (t.tsOk) {
                options.setTimestamps(tsVal(t), t.tsRecent);
            }
            if (t.sackOk && ack) {
                addSackBlocks(t);
            }
        }
        int md5Len = md5Key != null ? TcpMd5.ALIGNED_LENGTH : 0;
        options.reserve(md5Len);
        boolean bsd = syn && config.tcpBsdOptionLayout;
        int optLen = (bsd ? options.encodedLengthBsd() : options.encodedLength()) + md5Len;
        if (optLen > TcpOptions.MAX_LENGTH && options.hasFastOpen()) {
            options.clearFastOpen();   // no room beside the signature: Linux's tcp_syn_options leaves it out
            optLen = (bsd ? options.encodedLengthBsd() : options.encodedLength()) + md5Len;
        }
        int segLen = TcpSegment.MIN_HEADER_LENGTH + optLen + len;
        Ipv6Endpoints e6 = t.v6;
        boolean superSegment = gsoSize > 0 && len > gsoSize;
        int gsoEcn = (flags & TcpSegment.CWR) != 0 ? Descriptor.GSO_ECN : 0;
        ByteBuffer b;
        if (e6 != null) {
            b = superSegment ? ip6.begin(e6.local(), e6.remote().hi(), e6.remote().lo(), io.tapwire.wire.Ipv6Packet.NH_TCP,
                    segLen, Descriptor.GSO_TCPV6 | gsoEcn, gsoSize) : begin(e6, 0, segLen);
        } else {
            b = superSegment ? ip.begin(t.remoteAddress, Ipv4Packet.PROTO_TCP, segLen, Descriptor.GSO_TCPV4 | gsoEcn, gsoSize)
                    : ip.begin(t.remoteAddress, Ipv4Packet.PROTO_TCP, segLen);
        }
        if (b == null) {
            refused = true;   // local congestion: the device queue took nothing (Linux: NET_XMIT_DROP)
            return false;
        }
        int at = e6 == null ? ip.payloadOffset() : ip6.payloadOffset();
        TcpSegment s = seg.wrapForWrite(b, at, segLen);
        s.setSrcPort(t.localPort);
        s.setDstPort(t.remotePort);
        s.setSeq(seq);
        s.setAck(ack ? t.rcvNxt : 0);
        s.setHeaderLength(TcpSegment.MIN_HEADER_LENGTH + optLen);
        s.setFlags(flags);
        // RFC 7323 2.2: the window in a SYN is never scaled.
        int shift = syn ? 0 : t.rcvWscale;
        // Linux: a SYN or SYN-ACK offers tcp_select_initial_window's rcv_wnd.
        int window = syn && config.tcpReceiverSws ? ReceiveWindow.initial(t) : output.receiveWindow(t);
        int field = Math.min(65535, config.tcpWindowRoundUp && !syn
                ? (int) (((long) window + (1 << shift) - 1) >>> shift) : window >>> shift);
        int current = Math.max(0, Seq.diff(t.rcvAdv, t.rcvNxt));
        if (!syn && (field << shift) < current) {
            // Rounding down to the scale would pull the right edge back: round up instead (as Linux does).
            field = Math.min(65535, (current + (1 << shift) - 1) >>> shift);
        }
        s.setWindow(field);
        s.setUrgentPointer(0);
        if (md5Len > 0) {
            TcpMd5.writeOptionHeader(b, at + TcpSegment.MIN_HEADER_LENGTH);
        }
        if (optLen > md5Len) {
            if (bsd) {
                options.writeBsd(b, at + TcpSegment.MIN_HEADER_LENGTH + md5Len);
            } else {
                options.write(b, at + TcpSegment.MIN_HEADER_LENGTH + md5Len);
            }
        }
        if (len > 0) {
            Descriptor frame = gather && md5Key == null ? (e6 == null ? ip.pendingDescriptor() : ip6.pendingDescriptor()) : null;
            if (frame != null && t.sendRing.isDirect()) {
                attachPayload(frame, t.sendRing, dataOffset, len);
            } else {
                t.sendRing.copyTo(dataOffset, b, at + TcpSegment.MIN_HEADER_LENGTH + optLen, len);
            }
        }
        if (md5Key != null) {
            layer.md5().sign(t, s, at + TcpSegment.MIN_HEADER_LENGTH + 4, md5Key);
        }
        if (e6 == null) {
            if (ip.offloadTransportChecksum(TcpSegment.CHECKSUM)) {
                s.fillPartialChecksum(t.localAddress, t.remoteAddress);
            } else {
                s.fillChecksum(t.localAddress, t.remoteAddress);
            }
            // Linux sets DF on TCP (path MTU discovery, RFC 1191); our segments never exceed the MTU
            // (super-segments are cut to it by the device). IP_TTL when the socket set one.
            ip.commit(tos, true, t.settings.hopLimit < 0 ? config.ipDefaultTtl : t.settings.hopLimit);
        } else {
            if (ip6.offloadTransportChecksum(TcpSegment.CHECKSUM)) {
                s.fillPartialChecksum6(e6.local().hi(), e6.local().lo(), e6.remote().hi(), e6.remote().lo());
            } else {
                s.fillChecksum6(e6.local().hi(), e6.local().lo(), e6.remote().hi(), e6.remote().lo());
            }
            // A super-segment's gso_size is the MSS, which follows the path MTU (packet too big).
            ip6.commit(tos, e6.flowLabel(), t.settings.hopLimit < 0 ? config.ipv6HopLimit : t.settings.hopLimit);
        }
        // Counted as wire segments, as Linux counts tcp_skb_pcount (tcp_info's too, as Linux's
        // tcp_event_data_sent/tcp_transmit_skb keep them).
        int wireSegments = superSegment ? (len + gsoSize - 1) / gsoSize : 1;
        stats.add(Stat.TCP_OUT_SEGS, wireSegments);
        t.segsOut += wireSegments;
        if (len > 0) {
            if (!syn) {
                // Linux tcp_event_data_sent: CA_EVENT_TX_START with nothing in flight, lsndtime.
                TcpIdleRestart.onDataSent(t, layer.now(), layer.recovery().pipeBytes(t));
            }
            t.dataSegsOut += wireSegments;
            t.bytesSent += len;
            if (Seq.lt(seq, t.sndMax)) {
                t.bytesRetrans += len;
            }
            TxTimestamps stamps = t.errorQueue == null ? null : t.errorQueue.timestamps;
            if (stamps != null && stamps.transmitted(dataOffset, len, layer.now())) {
                t.wake(Events.ERR);   // SO_TIMESTAMPING: SCHED/SND for a marked byte in this segment
            }
        }
        if (ack) {
            int right = Seq.add(t.rcvNxt, field << shift);
            if (Seq.gt(right, t.rcvAdv) || syn) {
                t.rcvAdv = right;
            }
            t.rcvWnd = Math.max(0, Seq.diff(t.rcvAdv, t.rcvNxt));
            t.lastAckSent = t.rcvNxt;
            t.ackNow = false;
            t.unackedSegments = 0;
            t.dsackPending = false;
            layer.timerQueue().cancel(t.delackTimer);
        } else if (syn) {
            t.rcvWnd = field;   // our SYN: rcv_wnd is its window (tcp_connect_init)
        }
        return true;
    }

    /**
     * Ends the frame with the segment's data where it lies in the send ring, for the device to
     * gather, instead of copying it into the frame (a NIC's scatter-gather; Linux sends from the
     * socket's pages the same way). The device writes it before the ring's storage can be lent
     * again ({@link BufferPool#guardTransmit}); acknowledged bytes the application overwrites
     * before then can only reach a peer that already holds them, which drops them as duplicates.
     * The checksum is the device's (partial), so nothing here reads the data.
     */
    private static void attachPayload(Descriptor frame, ByteRing ring, long dataOffset, int len) {
        int pos = ring.storageIndex(dataOffset);
        int first = Math.min(len, ring.capacity() - pos);
        frame.attachPayload(ring.storage(), pos, first, 0, len - first);
    }

    /**
     * Set when the IP layer could not take a segment (no transmit descriptor: the device's queue
     * is full or takes nothing); cleared by whoever wants to know ({@link TcpTimers#onPersist}).
     */
    boolean refused;

    /** Our timestamp clock: milliseconds (RFC 7323 5.4 allows 1 ms to 1 s per tick) plus the connection's offset. */
    int tsVal(Tcb t) {
        return (int) (layer.now() / 1_000_000L) + t.tsOffset;
    }

    /**
     * SACK blocks for an ACK (RFC 2018 section 4): a pending D-SACK first (RFC 2883), then the block
     * holding the most recent out-of-order segment, then the others from the highest down. Only as
     * many as fit beside the other options are written.
     */
    private void addSackBlocks(Tcb t) {
        if (t.dsackPending) {
            options.addSackBlock(t.dsackStart, t.dsackEnd);
        }
        OutOfOrderQueue q = t.ooo;
        int n = q.count();
        if (n == 0) {
            return;
        }
        long tail = t.recvRing.tail();
        int first = -1;
        for (int i = 0; i < n; i++) {
            if (q.start(i) <= t.lastOooStart && t.lastOooStart < q.end(i)) {
                first = i;
                break;
            }
        }
        if (first >= 0) {
            addBlock(t, tail, q.start(first), q.end(first));
        }
        for (int i = n - 1; i >= 0 && options.sackBlockCount() < TcpOptions.MAX_SACK_BLOCKS; i--) {
            if (i != first) {
                addBlock(t, tail, q.start(i), q.end(i));
            }
        }
    }

    private void addBlock(Tcb t, long tail, long start, long end) {
        if (options.sackBlockCount() < TcpOptions.MAX_SACK_BLOCKS) {
            options.addSackBlock(Seq.add(t.rcvNxt, (int) (start - tail)), Seq.add(t.rcvNxt, (int) (end - tail)));
        }
    }

    /**
     * A RST for a segment that belongs to no connection (RFC 9293 3.10.7.1): if it carried an ACK,
     * the RST takes that as its sequence number; otherwise it acknowledges the segment.
     */
    void sendResetFor(int localAddress, int remoteAddress, TcpSegment in, int segmentLength) {
        if (!layer.takeReply()) {
            return; // stateless: within the poll's reply budget only (StackConfig.replyBudget)
        }
        if (in.isAck()) {
            sendRaw(localAddress, in.dstPort(), remoteAddress, in.srcPort(), in.ack(), 0, TcpSegment.RST);
        } else {
            sendRaw(localAddress, in.dstPort(), remoteAddress, in.srcPort(), 0, Seq.add(in.seq(), segmentLength),
                    TcpSegment.RST | TcpSegment.ACK);
        }
    }

    /**
     * An ACK for a connection-less context (challenge ACKs are sent through {@link #sendAck}); over
     * IPv6 when an IPv6 segment is being processed.
     */
    void sendRaw(int src, int srcPort, int dst, int dstPort, int seq, int ackNum, int flags) {
        sendRaw(layer.context6(), src, srcPort, dst, dstPort, seq, ackNum, flags);
    }

    void sendRaw(Ipv6Endpoints e6, int src, int srcPort, int dst, int dstPort, int seq, int ackNum, int flags) {
        ByteBuffer b = begin(e6, dst, TcpSegment.MIN_HEADER_LENGTH);
        if (b == null) {
            return;
        }
        int at = payloadOffset(e6);
        TcpSegment s = seg.wrapForWrite(b, at, TcpSegment.MIN_HEADER_LENGTH);
        s.setSrcPort(srcPort);
        s.setDstPort(dstPort);
        s.setSeq(seq);
        s.setAck(ackNum);
        s.setHeaderLength(TcpSegment.MIN_HEADER_LENGTH);
        s.setFlags(flags);
        s.setWindow(0);
        s.setUrgentPointer(0);
        commit(s, e6, src, dst, 0);
        stats.inc(Stat.TCP_OUT_SEGS);
        if ((flags & TcpSegment.RST) != 0) {
            stats.inc(Stat.TCP_OUT_RSTS);
        }
    }
}
