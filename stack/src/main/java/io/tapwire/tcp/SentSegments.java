package io.tapwire.tcp;

import io.tapwire.wire.Seq;

/**
 * The sender's per-segment record of what is outstanding, in sequence order: each transmitted
 * segment's range, its last transmit time, and Linux's {@code TCPCB_SACKED_ACKED},
 * {@code TCPCB_LOST} and {@code TCPCB_RETRANS} marks (the scoreboard bits of the retransmit queue's
 * skbs). From it come RACK's per-segment transmit times (RFC 8985 section 5.2), the packet counts
 * of Linux's {@code tcp_packets_in_flight} ({@code packets_out - (sacked_out + lost_out) +
 * retrans_out}; here a resent lost segment simply stops being lost, so it counts once) that
 * Proportional Rate Reduction needs (RFC 6937), and what is lost and not yet resent. A ring of parallel arrays, grown by doubling (never per segment); created with the
 * connection's loss-recovery state at the first data segment.
 */
final class SentSegments {
    /** The segment was SACKed (Linux TCPCB_SACKED_ACKED). */
    static final byte SACKED = 1;
    /** The segment is deemed lost and not yet retransmitted (Linux TCPCB_LOST). */
    static final byte LOST = 2;
    /** The segment's latest transmission is a retransmission still in flight (Linux TCPCB_SACKED_RETRANS). */
    static final byte RETRANS = 4;
    /** The segment was retransmitted at least once (Linux TCPCB_EVER_RETRANS). */
    static final byte EVER_RETRANS = 8;

    private int[] start = new int[16];
    private int[] end = new int[16];
    private long[] time = new long[16];
    private byte[] flags = new byte[16];
    private int head;
    private int count;
    /** The last transmit stamp handed out: stamps strictly increase, so they order transmissions even within one clock tick. */
    private long lastStamp = Long.MIN_VALUE;
    private int sacked;
    private int lost;
    private int retrans;

    int count() { return count; }
    /** Segments SACKed (Linux sacked_out). */
    int sackedOut() { return sacked; }
    /** Segments marked lost and not retransmitted since (Linux lost_out less the retransmitted ones). */
    int lostOut() { return lost; }
    /** Retransmissions in flight (Linux retrans_out). */
    int retransOut() { return retrans; }

    /** Linux's {@code tcp_packets_in_flight}: segments sent and neither acknowledged, SACKed nor lost-and-not-yet-resent. */
    int packetsInFlight() {
        return count - sacked - lost;
    }

    private int at(int i) {
        return (head + i) & (start.length - 1);
    }

    int start(int i) { return start[at(i)]; }
    int end(int i) { return end[at(i)]; }
    long time(int i) { return time[at(i)]; }
    byte flags(int i) { return flags[at(i)]; }

    boolean has(int i, byte flag) {
        return (flags[at(i)] & flag) != 0;
    }

    /** Forgets everything (the connection no longer needs it). */
    void clear() {
        count = 0;
        head = 0;
        sacked = 0;
        lost = 0;
        retrans = 0;
    }

    /**
     * A segment covering [{@code seq}, {@code seqEnd}) left at {@code now}. Above everything
     * recorded it is appended, cut into pieces of at most {@code segmentSize} (a super-segment is
     * several wire segments); otherwise it is a retransmission and every record it overlaps takes
     * the new time and the retransmission marks.
     */
    void sent(int seq, int seqEnd, long now, int segmentSize) {
        if (!Seq.lt(seq, seqEnd)) {
            return;
        }
        // RFC 8985 needs the transmission order of segments (RACK_sent_after); with a coarse or
        // virtual clock many leave in the same tick, so each transmission gets its own stamp, at
        // least one nanosecond after the previous one.
        long stamp = Math.max(now, lastStamp + 1);
        int top = count == 0 ? seq : end(count - 1);
        if (Seq.lt(seq, top)) {
            for (int i = 0; i < count; i++) {
                int s = start(i);
                if (!Seq.lt(s, seqEnd)) {
                    break;
                }
                if (Seq.gt(end(i), seq)) {
                    markRetransmitted(i, stamp++);
                }
            }
            seq = top;
        }
        while (Seq.lt(seq, seqEnd)) {
            int len = Math.min(Seq.diff(seqEnd, seq), Math.max(1, segmentSize));
            append(seq, Seq.add(seq, len), stamp++);
            seq = Seq.add(seq, len);
        }
        lastStamp = stamp - 1;
    }

    private void markRetransmitted(int i, long now) {
        int k = at(i);
        byte f = flags[k];
        if ((f & SACKED) != 0) {
            return;
        }
        if ((f & LOST) != 0) {
            lost--;
        }
        if ((f & RETRANS) == 0) {
            retrans++;
        }
        flags[k] = (byte) ((f & ~LOST) | RETRANS | EVER_RETRANS);
        time[k] = now;
    }

    private void append(int s, int e, long now) {
        if (count == start.length) {
            grow();
        }
        int k = at(count);
        start[k] = s;
        end[k] = e;
        time[k] = now;
        flags[k] = 0;
        count++;
    }

    private void grow() {
        int n = start.length * 2;
        int[] ns = new int[n];
        int[] ne = new int[n];
        long[] nt = new long[n];
        byte[] nf = new byte[n];
        for (int i = 0; i < count; i++) {
            int k = at(i);
            ns[i] = start[k];
            ne[i] = end[k];
            nt[i] = time[k];
            nf[i] = flags[k];
        }
        start = ns;
        end = ne;
        time = nt;
        flags = nf;
        head = 0;
    }

    /** Marks record {@code i} lost (RACK or the duplicate-ACK rule); false if it already was, or is SACKed. */
    boolean markLost(int i) {
        int k = at(i);
        byte f = flags[k];
        if ((f & (SACKED | LOST)) != 0) {
            return false;
        }
        if ((f & RETRANS) != 0) {
            retrans--;
        }
        flags[k] = (byte) ((f & ~RETRANS) | LOST);
        lost++;
        return true;
    }

    /** Marks every segment neither SACKed nor already lost lost (a timeout, Linux tcp_enter_loss). */
    void markAllLost() {
        for (int i = 0; i < count; i++) {
            markLost(i);
        }
    }

    /** Clears every LOST mark (an undo: the retransmissions were not needed). */
    void unmarkLost() {
        for (int i = 0; i < count; i++) {
            int k = at(i);
            if ((flags[k] & LOST) != 0) {
                flags[k] &= ~LOST;
            }
        }
        lost = 0;
    }

    /** The index of the first record marked lost, or -1. */
    int firstLost() {
        if (lost == 0) {
            return -1;
        }
        for (int i = 0; i < count; i++) {
            if (has(i, LOST)) {
                return i;
            }
        }
        return -1;
    }

    /** What a cumulative ACK or a SACK block delivered, handed to the listener one record at a time. */
    interface Delivered {
        /**
         * @param start the record's first sequence number
         * @param end its end
         * @param xmitTime when it was last sent
         * @param flags its marks before delivery
         * @param cumulative true for a cumulative ACK, false for a SACK
         */
        void delivered(int start, int end, long xmitTime, byte flags, boolean cumulative);
    }

    /**
     * Removes the records the cumulative ACK {@code una} covers (a partly covered first record is
     * trimmed, not delivered) and reports those not already SACKed. Returns how many records were
     * newly delivered.
     */
    int acked(int una, Delivered listener) {
        int n = 0;
        while (count > 0 && Seq.le(end(0), una)) {
            int k = head;
            byte f = flags[k];
            if ((f & SACKED) != 0) {
                sacked--;
            } else {
                n++;
                listener.delivered(start[k], end[k], time[k], f, true);
            }
            if ((f & LOST) != 0) {
                lost--;
            }
            if ((f & RETRANS) != 0) {
                retrans--;
            }
            head = (head + 1) & (start.length - 1);
            count--;
        }
        if (count > 0 && Seq.lt(start(0), una)) {
            start[head] = una;
        }
        if (count == 0) {
            head = 0;
        }
        return n;
    }

    /** Marks the records wholly inside the SACK block [left, right) SACKed; returns how many were new. */
    int sack(int left, int right, Delivered listener) {
        int n = 0;
        for (int i = 0; i < count; i++) {
            int k = at(i);
            if (!Seq.lt(start[k], right)) {
                break;
            }
            if (Seq.lt(start[k], left) || Seq.gt(end[k], right) || (flags[k] & SACKED) != 0) {
                continue;
            }
            byte f = flags[k];
            if ((f & LOST) != 0) {
                lost--;
            }
            if ((f & RETRANS) != 0) {
                retrans--;
            }
            flags[k] = (byte) ((f & ~(LOST | RETRANS)) | SACKED);
            sacked++;
            n++;
            listener.delivered(start[k], end[k], time[k], f, false);
        }
        return n;
    }
}
