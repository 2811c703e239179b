package io.tapwire.tcp;

/**
 * A transmit timestamp from a socket's error queue (SO_TIMESTAMPING, Linux's
 * Documentation/networking/timestamping.rst): what Linux reports with {@code recvmsg(MSG_ERRQUEUE)}
 * as a {@code struct scm_timestamping} and a {@code struct sock_extended_err} with
 * {@code ee_errno = ENOMSG}, {@code ee_origin = SO_EE_ORIGIN_TIMESTAMPING}.
 *
 * @param type          {@link #SCM_TSTAMP_SND}, {@link #SCM_TSTAMP_SCHED} or {@link #SCM_TSTAMP_ACK} ({@code ee_info})
 * @param key           with {@link #OPT_ID}: the byte the timestamp is for, counted from the
 *                      socket's first unacknowledged byte when OPT_ID was set (or its next byte to
 *                      write with {@link #OPT_ID_TCP}); 0 without OPT_ID ({@code ee_data})
 * @param softwareNanos the stack clock's time of the event in nanoseconds ({@code ts[0]}), or -1
 *                      when the socket does not ask for software reports ({@link #SOFTWARE}):
 *                      Linux then puts no SCM_TIMESTAMPING message beside the error
 * @param withPacket    whether the message carries the packet (Linux queues a clone of it) rather
 *                      than only the timestamp ({@link #OPT_TSONLY}); a zero-length read of one
 *                      is truncated (MSG_TRUNC)
 */
public record TxTimestamp(int type, int key, long softwareNanos, boolean withPacket) implements ErrorQueueMessage {
    /** SCM_TSTAMP_SND: the segment holding the byte was handed to the device (the driver's software timestamp). */
    public static final int SCM_TSTAMP_SND = 0;
    /** SCM_TSTAMP_SCHED: the segment holding the byte entered the device's queue (Linux: the qdisc). */
    public static final int SCM_TSTAMP_SCHED = 1;
    /** SCM_TSTAMP_ACK: the peer acknowledged the byte. */
    public static final int SCM_TSTAMP_ACK = 2;

    /** SOF_TIMESTAMPING_* flags of linux/net_tstamp.h, the value of SO_TIMESTAMPING. */
    public static final int TX_HARDWARE = 1;
    public static final int TX_SOFTWARE = 1 << 1;
    public static final int RX_HARDWARE = 1 << 2;
    public static final int RX_SOFTWARE = 1 << 3;
    public static final int SOFTWARE = 1 << 4;
    public static final int SYS_HARDWARE = 1 << 5;
    public static final int RAW_HARDWARE = 1 << 6;
    public static final int OPT_ID = 1 << 7;
    public static final int TX_SCHED = 1 << 8;
    public static final int TX_ACK = 1 << 9;
    public static final int OPT_CMSG = 1 << 10;
    public static final int OPT_TSONLY = 1 << 11;
    public static final int OPT_STATS = 1 << 12;
    public static final int OPT_PKTINFO = 1 << 13;
    public static final int OPT_TX_SWHW = 1 << 14;
    public static final int BIND_PHC = 1 << 15;
    public static final int OPT_ID_TCP = 1 << 16;
    public static final int OPT_RX_FILTER = 1 << 17;
    /** Every flag Linux knows (SOF_TIMESTAMPING_MASK); others are EINVAL. */
    public static final int MASK = (OPT_RX_FILTER << 1) - 1;
    /** The flags that ask for a transmit timestamp (SOF_TIMESTAMPING_TX_RECORD_MASK). */
    public static final int TX_RECORD_MASK = TX_HARDWARE | TX_SOFTWARE | TX_SCHED | TX_ACK;
}
