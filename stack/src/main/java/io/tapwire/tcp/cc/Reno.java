package io.tapwire.tcp.cc;

/**
 * Reno (RFC 5681): slow start, congestion avoidance, fast retransmit and fast recovery. Initial
 * window per RFC 6928 (ten segments, as Linux). An ECN echo halves the window (RFC 3168 6.1.2) and
 * a reduction found spurious is undone as Linux's Reno does ({@code tcp_reno_undo_cwnd}).
 */
public final class Reno implements CongestionControl {
    private int mss;
    private int cwnd;
    private int ssthresh;
    private int caAcked;
    /** RFC 5681's rule until the stack chooses (StackConfig.tcpSsthreshFromFlightSize). */
    private boolean ssthreshFromFlight = true;
    // The window before the last loss reduction, for onUndo (Linux's prior_cwnd and prior_ssthresh).
    private int priorCwnd;
    private int priorSsthresh;
    private boolean undoable;

    @Override
    public String name() {
        return "reno";
    }

    @Override
    public void init(int mss) {
        this.mss = mss;
        this.cwnd = 10 * mss;
        this.ssthresh = Integer.MAX_VALUE;
        this.undoable = false;
    }

    @Override
    public void onAck(int acked, int inFlight) {
        if (cwnd < ssthresh) {
            // Slow start: grow by the bytes acknowledged, at most one MSS per ACK (RFC 5681 3.1, RFC 3465 L=1).
            cwnd += Math.min(acked, mss);
        } else {
            // Congestion avoidance: about one MSS per round trip, counted in acknowledged bytes.
            caAcked += acked;
            if (caAcked >= cwnd) {
                caAcked -= cwnd;
                cwnd += mss;
            }
        }
    }

    @Override
    public void onFastRetransmit(int inFlight) {
        saveForUndo();
        ssthresh = reducedSsthresh(inFlight);
        cwnd = ssthresh + 3 * mss;
    }

    @Override
    public void onDupAckInRecovery() {
        cwnd += mss;
    }

    @Override
    public void onRecoveryExit() {
        cwnd = ssthresh;
        caAcked = 0;
    }

    @Override
    public void onRetransmitTimeout(int inFlight) {
        onRetransmitTimeout(inFlight, true);
    }

    @Override
    public void onRetransmitTimeout(int inFlight, boolean newEpisode) {
        if (newEpisode) {
            // RFC 5681 section 3.1 equation 4, only for the first timeout of the data: a repeated
            // timeout keeps ssthresh (and the window saved for undo).
            saveForUndo();
            ssthresh = reducedSsthresh(inFlight);
        }
        cwnd = mss;
        caAcked = 0;
    }

    @Override
    public void onEcnCongestion(int inFlight) {
        // RFC 3168 section 6.1.2: halve as for a loss (RFC 5681 equation 4), without the fast
        // recovery inflation since nothing was lost. A mark is never spurious: nothing to undo.
        undoable = false;
        ssthresh = reducedSsthresh(inFlight);
        cwnd = ssthresh;
        caAcked = 0;
    }

    @Override
    public void onUndo() {
        // Linux tcp_undo_cwnd_reduction with tcp_reno_undo_cwnd: the larger of now and before.
        if (undoable) {
            cwnd = Math.max(cwnd, priorCwnd);
            ssthresh = Math.max(ssthresh, priorSsthresh);
            undoable = false;
        }
        caAcked = 0;
    }

    private void saveForUndo() {
        priorCwnd = cwnd;
        priorSsthresh = ssthresh;
        undoable = true;
    }

    @Override
    public void ssthreshFromFlightSize(boolean fromFlightSize) {
        this.ssthreshFromFlight = fromFlightSize;
    }

    /**
     * The slow-start threshold of a new congestion event: half the flight size, at least two
     * segments (RFC 5681 section 3.1 equation 4), or as Linux's tcp_reno_ssthresh half of cwnd in
     * whole segments, at least two ({@link #ssthreshFromFlightSize}).
     */
    private int reducedSsthresh(int inFlight) {
        if (ssthreshFromFlight) {
            return Math.max(inFlight / 2, 2 * mss);
        }
        return Math.max(cwnd / mss / 2, 2) * mss;
    }

    @Override
    public void setSsthresh(int ssthresh) {
        this.ssthresh = Math.max(ssthresh, 2 * mss);
    }

    @Override
    public void setCwnd(int cwnd) {
        this.cwnd = Math.max(cwnd, mss);
    }

    @Override
    public int cwnd() {
        return cwnd;
    }

    @Override
    public int ssthresh() {
        return ssthresh;
    }
}
