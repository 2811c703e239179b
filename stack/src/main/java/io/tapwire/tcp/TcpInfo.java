package io.tapwire.tcp;

import io.tapwire.tcp.cc.CaState;

/**
 * A snapshot of one connection, like Linux's {@code struct tcp_info} (what {@code ss -ti} shows).
 * Times are in microseconds, sizes in bytes; window-scale shifts are -1 when not negotiated.
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
        int rcvMss,
        int sndWnd,
        int rcvWnd,
        long bytesAcked,
        long bytesReceived,
        int sndWscale,
        int rcvWscale,
        boolean timestamps,
        boolean sack,
        int lost,
        long deliveryRateBytesPerSecond) {

    @Override
    public String toString() {
        return state + " ca:" + caState + " " + caAlgorithm + " cwnd:" + cwnd + " ssthresh:" + (ssthresh == Integer.MAX_VALUE ? "inf" : ssthresh)
                + " rtt:" + srttMicros / 1000.0 + "/" + rttvarMicros / 1000.0 + "ms rto:" + rtoMicros / 1000 + "ms mss:" + sndMss
                + " unacked:" + bytesInFlight + " sacked:" + sacked + " lost:" + lost + " retrans:" + retransmits + "/" + totalRetransmits
                + " delivery_rate:" + deliveryRateBytesPerSecond * 8 + "bps snd_wnd:" + sndWnd + " rcv_wnd:" + rcvWnd + " bytes_acked:" + bytesAcked + " bytes_received:" + bytesReceived
                + (sndWscale >= 0 ? " wscale:" + sndWscale + "," + rcvWscale : "") + (timestamps ? " ts" : "") + (sack ? " sack" : "");
    }
}
