package io.tapwire.tcp;

import io.tapwire.tcp.cc.CaState;

/**
 * A snapshot of one connection, like Linux's {@code struct tcp_info} (what {@code ss -ti} shows).
 * Times are in microseconds, sizes in bytes (Linux counts cwnd, ssthresh, unacked, sacked and
 * lost in segments; divide by {@link #sndMss} for those); window-scale shifts are -1 when not
 * negotiated.
 *
 * @param advMss the MSS we advertised (tcpi_advmss)
 * @param rcvMss the peer's MSS as estimated from the largest segment received (tcpi_rcv_mss)
 * @param backoff consecutive RTO doublings (tcpi_backoff)
 * @param atoMicros the delayed-ACK timeout (tcpi_ato)
 * @param pmtu the path MTU (tcpi_pmtu)
 * @param bytesSent payload bytes sent, retransmissions included (tcpi_bytes_sent)
 * @param bytesRetrans payload bytes retransmitted (tcpi_bytes_retrans)
 * @param segsOut segments sent, pure ACKs and retransmissions included (tcpi_segs_out)
 * @param segsIn segments received (tcpi_segs_in)
 * @param dataSegsOut segments sent carrying data (tcpi_data_segs_out)
 * @param dataSegsIn segments received carrying data (tcpi_data_segs_in)
 * @param minRttMicros the smallest RTT sample, 0 before the first (tcpi_min_rtt)
 * @param rcvSpace the receive-space measurement of buffer auto-tuning (tcpi_rcv_space)
 * @param sendQueue bytes written and not yet acknowledged (ss's Send-Q)
 * @param recvQueue bytes received and not yet read (ss's Recv-Q)
 * @param timer the pending timer ss -o shows ({@link #TIMER_OFF} ... {@link #TIMER_PERSIST})
 * @param timerRemainingMicros time until it fires
 * @param timerRetransmits ss's count beside the timer: consecutive timeouts, or unanswered probes
 * @param rcvBuf receive buffer size (ss -m's rb)
 * @param sndBuf send buffer size (ss -m's tb)
 * @param unacked segments sent and not yet cumulatively acknowledged, SACKed ones included
 *     (tcpi_unacked, Linux's packets_out); from the per-segment record when loss recovery keeps
 *     one, else the outstanding sequence space in whole send-MSS segments (a SYN or FIN counts one)
 * @param probes unanswered zero-window or keepalive probes (tcpi_probes, icsk_probes_out)
 * @param lastDataRecv milliseconds since data last arrived, or since the connection was
 *     established before any did (tcpi_last_data_recv: now - icsk_ack.lrcvtime)
 * @param reordering the reordering degree, DupThresh, in segments (tcpi_reordering; tcp_reordering, 3, until reordering is seen)
 * @param reordSeen times reordering was detected (tcpi_reord_seen)
 * @param retrans retransmitted segments still in flight (tcpi_retrans, Linux's retrans_out)
 * @param delivered segments the peer received, cumulatively ACKed or SACKed, our SYN (or the
 *     SYN-ACK of a passive open) counting one (tcpi_delivered, Linux's tp->delivered)
 * @param deliveredCe of those, the segments reported by ACKs carrying ECN-Echo (tcpi_delivered_ce)
 */
public record TcpInfo(
        TcpState state,
        CaState caState,
        String caAlgorithm,
        int cwnd,
        int ssthresh,
        long srttMicros,
        long rttvarMicros,
        long rtoMicros,
        int bytesInFlight,
        int sacked,
        int retransmits,
        long totalRetransmits,
        int sndMss,
        int advMss,
        int sndWnd,
        int rcvWnd,
        long bytesAcked,
        long bytesReceived,
        int sndWscale,
        int rcvWscale,
        boolean timestamps,
        boolean sack,
        int lost,
        long deliveryRateBytesPerSecond,
        boolean ecn,
        int backoff,
        long atoMicros,
        int pmtu,
        int rcvMss,
        long bytesSent,
        long bytesRetrans,
        int segsOut,
        int segsIn,
        int dataSegsOut,
        int dataSegsIn,
        long minRttMicros,
        int rcvSpace,
        int sendQueue,
        int recvQueue,
        int timer,
        long timerRemainingMicros,
        int timerRetransmits,
        int rcvBuf,
        int sndBuf,
        int unacked,
        int probes,
        long lastDataRecv,
        int reordering,
        int reordSeen,
        int retrans,
        long delivered,
        long deliveredCe) {

    /** The snapshot without the fields added later (unacked, probes, lastDataRecv, reordSeen, retrans: 0; reordering: 3, tcp_reordering's default). */
    public TcpInfo(TcpState state, CaState caState, String caAlgorithm, int cwnd, int ssthresh, long srttMicros, long rttvarMicros,
                   long rtoMicros, int bytesInFlight, int sacked, int retransmits, long totalRetransmits, int sndMss, int advMss,
                   int sndWnd, int rcvWnd, long bytesAcked, long bytesReceived, int sndWscale, int rcvWscale, boolean timestamps,
                   boolean sack, int lost, long deliveryRateBytesPerSecond, boolean ecn, int backoff, long atoMicros, int pmtu,
                   int rcvMss, long bytesSent, long bytesRetrans, int segsOut, int segsIn, int dataSegsOut, int dataSegsIn,
                   long minRttMicros, int rcvSpace, int sendQueue, int recvQueue, int timer, long timerRemainingMicros,
                   int timerRetransmits, int rcvBuf, int sndBuf) {
        this(state, caState, caAlgorithm, cwnd, ssthresh, srttMicros, rttvarMicros, rtoMicros, bytesInFlight, sacked, retransmits,
                totalRetransmits, sndMss, advMss, sndWnd, rcvWnd, bytesAcked, bytesReceived, sndWscale, rcvWscale, timestamps, sack,
                lost, deliveryRateBytesPerSecond, ecn, backoff, atoMicros, pmtu, rcvMss, bytesSent, bytesRetrans, segsOut, segsIn,
                dataSegsOut, dataSegsIn, minRttMicros, rcvSpace, sendQueue, recvQueue, timer, timerRemainingMicros,
                timerRetransmits, rcvBuf, sndBuf, 0, 0, 0, 3, 0, 0, 0, 0);
    }

    /** The snapshot without tcpi_delivered and tcpi_delivered_ce (both 0). */
    public TcpInfo(TcpState state, CaState caState, String caAlgorithm, int cwnd, int ssthresh, long srttMicros, long rttvarMicros,
                   long rtoMicros, int bytesInFlight, int sacked, int retransmits, long totalRetransmits, int sndMss, int advMss,
                   int sndWnd, int rcvWnd, long bytesAcked, long bytesReceived, int sndWscale, int rcvWscale, boolean timestamps,
                   boolean sack, int lost, long deliveryRateBytesPerSecond, boolean ecn, int backoff, long atoMicros, int pmtu,
                   int rcvMss, long bytesSent, long bytesRetrans, int segsOut, int segsIn, int dataSegsOut, int dataSegsIn,
                   long minRttMicros, int rcvSpace, int sendQueue, int recvQueue, int timer, long timerRemainingMicros,
                   int timerRetransmits, int rcvBuf, int sndBuf, int unacked, int probes, long lastDataRecv, int reordering,
                   int reordSeen, int retrans) {
        this(state, caState, caAlgorithm, cwnd, ssthresh, srttMicros, rttvarMicros, rtoMicros, bytesInFlight, sacked, retransmits,
                totalRetransmits, sndMss, advMss, sndWnd, rcvWnd, bytesAcked, bytesReceived, sndWscale, rcvWscale, timestamps, sack,
                lost, deliveryRateBytesPerSecond, ecn, backoff, atoMicros, pmtu, rcvMss, bytesSent, bytesRetrans, segsOut, segsIn,
                dataSegsOut, dataSegsIn, minRttMicros, rcvSpace, sendQueue, recvQueue, timer, timerRemainingMicros,
                timerRetransmits, rcvBuf, sndBuf, unacked, probes, lastDataRecv, reordering, reordSeen, retrans, 0, 0);
    }

    /** {@link #timer} values, as Linux's /proc/net/tcp and ss number them: none, retransmission, keepalive, TIME_WAIT, zero-window probe. */
    public static final int TIMER_OFF = 0;
    public static final int TIMER_ON = 1;
    public static final int TIMER_KEEPALIVE = 2;
    public static final int TIMER_TIMEWAIT = 3;
    public static final int TIMER_PERSIST = 4;

    @Override
    public String toString() {
        return state + " ca:" + caState + " " + caAlgorithm + " cwnd:" + cwnd + " ssthresh:" + (ssthresh == Integer.MAX_VALUE ? "inf" : ssthresh)
                + " rtt:" + srttMicros / 1000.0 + "/" + rttvarMicros / 1000.0 + "ms rto:" + rtoMicros / 1000 + "ms mss:" + sndMss
                + " unacked:" + bytesInFlight + " sacked:" + sacked + " lost:" + lost + " retrans:" + retransmits + "/" + totalRetransmits
                + " delivery_rate:" + deliveryRateBytesPerSecond * 8 + "bps snd_wnd:" + sndWnd + " rcv_wnd:" + rcvWnd + " bytes_acked:" + bytesAcked + " bytes_received:" + bytesReceived
                + (sndWscale >= 0 ? " wscale:" + sndWscale + "," + rcvWscale : "") + (timestamps ? " ts" : "") + (sack ? " sack" : "");
    }
}
