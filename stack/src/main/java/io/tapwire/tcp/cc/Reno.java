package io.tapwire.tcp.cc;

/**
 * Reno (RFC 5681): slow start, congestion avoidance, fast retransmit and fast recovery. Initial
 * window per RFC 6928 (ten segments, as Linux).
 */
public final class Reno implements CongestionControl {
    private int mss;
    private int cwnd;
    private int ssthresh;
    private int caAcked;

    @Override
    public String name() {
        return "reno";
    }

    @Override
    public void init(int mss) {
        this.mss = mss;
        this.cwnd = 10 * mss;
        this.ssthresh = Integer.MAX_VALUE;
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
        ssthresh = Math.max(inFlight / 2, 2 * mss);
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
        ssthresh = Math.max(inFlight / 2, 2 * mss);
        cwnd = mss;
        caAcked = 0;
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
