package io.tapwire.apps.iperf;

/**
 * What an iperf3 UDP receiver measures (iperf_udp_recv): the highest sequence number seen, losses
 * as gaps in the sequence (a late packet takes one back), out-of-order packets, and jitter as
 * RFC 1889 (6.3.1, A.8) defines it, from the sender's timestamps and the arrival times.
 */
final class UdpReceiveStats {
    long bytes;
    long packetCount;
    long errors;
    long outOfOrder;
    /** Seconds, smoothed by 1/16 per packet. */
    double jitter;
    private double prevTransit;
    private boolean first = true;

    /**
     * Accounts one datagram: {@code sec}/{@code usec} are the sender's clock from the header,
     * {@code arrivalMicros} ours (wall clock, microseconds).
     */
    synchronized void packet(int length, long sec, long usec, long pcount, long arrivalMicros) {
        bytes += length;
        if (pcount >= packetCount + 1) {
            if (pcount > packetCount + 1) {
                errors += (pcount - 1) - packetCount;
            }
            packetCount = pcount;
        } else {
            outOfOrder++;
            if (errors > 0) {
                errors--;
            }
        }
        double transit = (arrivalMicros - (sec * 1_000_000L + usec)) / 1e6;
        if (first) {
            prevTransit = transit;
            first = false;
        }
        double d = Math.abs(transit - prevTransit);
        prevTransit = transit;
        jitter += (d - jitter) / 16.0;
    }

    /** Parses the header (sec, usec, then a 32- or 64-bit packet count, all big-endian) and accounts the datagram. */
    void datagram(byte[] b, int length, boolean counters64, long arrivalMicros) {
        if (length < (counters64 ? 16 : 12)) {
            return;
        }
        long sec = u32(b, 0);
        long usec = u32(b, 4);
        long pcount = counters64 ? (u32(b, 8) << 32) | u32(b, 12) : u32(b, 8);
        packet(length, sec, usec, pcount, arrivalMicros);
    }

    /** Writes the header of datagram number {@code pcount} sent at {@code nowMicros}. */
    static void header(byte[] b, long nowMicros, long pcount, boolean counters64) {
        put32(b, 0, nowMicros / 1_000_000L);
        put32(b, 4, nowMicros % 1_000_000L);
        if (counters64) {
            put32(b, 8, pcount >>> 32);
            put32(b, 12, pcount);
        } else {
            put32(b, 8, pcount);
        }
    }

    private static long u32(byte[] b, int at) {
        return ((b[at] & 0xffL) << 24) | ((b[at + 1] & 0xffL) << 16) | ((b[at + 2] & 0xffL) << 8) | (b[at + 3] & 0xffL);
    }

    private static void put32(byte[] b, int at, long v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
