package io.tapwire.tcp;

import io.tapwire.wire.Seq;

/**
 * The sender's record of what the peer has SACKed above snd.una (RFC 6675 section 3): sorted,
 * merged sequence ranges. It answers the RFC's questions: how many bytes are SACKed, is a
 * sequence number lost (IsLost: more than (DupThresh − 1) · SMSS bytes SACKed above it), which is
 * the next hole to retransmit (NextSeg rule 1), and where a SACKed run ends (so a go-back-N
 * retransmission after a timeout skips what the peer already holds). Bounded; allocated lazily.
 */
final class SackScoreboard {
    private static final int MAX = 16;

    /**
     * The scoreboard of every connection that has not been SACKed yet: always empty, never
     * written (reads only; {@link Tcb#scoreboard()} gives a connection its own at the first block).
     */
    static final SackScoreboard NONE = new SackScoreboard();

    private int[] starts;
    private int[] ends;
    private int count;
    private int sacked;

    int count() { return count; }
    int sackedBytes() { return sacked; }
    boolean isEmpty() { return count == 0; }

    void clear() {
        count = 0;
        sacked = 0;
    }

    /** The highest SACKed sequence number (exclusive end); valid when not empty. */
    int highestSacked() {
        return ends[count - 1];
    }

    /**
     * Records a SACK block already checked to lie within (snd.una, snd.max]. Returns true if it
     * covered bytes not SACKed before.
     */
    boolean add(int left, int right) {
        if (this == NONE) {
            throw new IllegalStateException("the shared empty scoreboard cannot take blocks; use Tcb.scoreboard()");
        }
        if (starts == null) {
            starts = new int[MAX];
            ends = new int[MAX];
        }
        int before = sacked;
        int i = 0;
        while (i < count && Seq.lt(ends[i], left)) {
            i++;
        }
        int j = i;
        int s = left;
        int e = right;
        while (j < count && Seq.le(starts[j], right)) {
            s = Seq.min(s, starts[j]);
            e = Seq.max(e, ends[j]);
            sacked -= Seq.diff(ends[j], starts[j]);
            j++;
        }
        int merged = j - i;
        if (merged == 0) {
            if (count == MAX) {
                return false;
            }
            System.arraycopy(starts, i, starts, i + 1, count - i);
            System.arraycopy(ends, i, ends, i + 1, count - i);
            count++;
        } else if (merged > 1) {
            System.arraycopy(starts, j, starts, i + 1, count - j);
            System.arraycopy(ends, j, ends, i + 1, count - j);
            count -= merged - 1;
        }
        starts[i] = s;
        ends[i] = e;
        sacked += Seq.diff(e, s);
        return sacked > before;
    }

    /** Forgets everything below the new snd.una. */
    void advance(int sndUna) {
        int drop = 0;
        while (drop < count && Seq.le(ends[drop], sndUna)) {
            sacked -= Seq.diff(ends[drop], starts[drop]);
            drop++;
        }
        if (drop > 0) {
            System.arraycopy(starts, drop, starts, 0, count - drop);
            System.arraycopy(ends, drop, ends, 0, count - drop);
            count -= drop;
        }
        if (count > 0 && Seq.lt(starts[0], sndUna)) {
            sacked -= Seq.diff(sndUna, starts[0]);
            starts[0] = sndUna;
        }
    }

    /**
     * RFC 6675 IsLost: more than (DupThresh − 1) · SMSS bytes SACKed above {@code seq}, DupThresh
     * being the connection's reordering degree (Linux tp->reordering, {@code tcp_reordering} at first).
     */
    boolean isLost(int seq, int mss, int dupThresh) {
        int above = 0;
        for (int i = count - 1; i >= 0 && Seq.gt(ends[i], seq); i--) {
            above += Seq.diff(ends[i], Seq.max(starts[i], seq));
        }
        return above > (long) (dupThresh - 1) * mss;
    }

    /** If {@code seq} lies in a SACKed range, the end of that range; otherwise {@code seq}. */
    int skipSacked(int seq) {
        for (int i = 0; i < count; i++) {
            if (Seq.le(starts[i], seq) && Seq.lt(seq, ends[i])) {
                return ends[i];
            }
        }
        return seq;
    }

    /** The start of the first SACKed range above {@code seq}, or {@code limit} if none is below it. */
    int nextSackedStart(int seq, int limit) {
        for (int i = 0; i < count; i++) {
            if (Seq.gt(starts[i], seq)) {
                return Seq.min(starts[i], limit);
            }
        }
        return limit;
    }
}
