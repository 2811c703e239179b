package io.tapwire.tcp;

import io.tapwire.event.Events;
import io.tapwire.event.WaitQueue;
import io.tapwire.tcp.cc.CongestionControl;
import io.tapwire.time.Timer;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.Seq;

import java.io.IOException;
import java.util.concurrent.locks.Condition;

/**
 * The transmission control block of one connection (RFC 9293 section 3.3.1): the send and receive
 * sequence variables under their RFC names, the two byte rings, timers, congestion state, and the
 * socket-facing flags. The stack thread changes it only while holding {@link #lock}; application
 * threads do the same, so one lock per connection is the only lock on the path (DESIGN.md
 * principle 2).
 */
public final class Tcb implements Timer.Target {
    // Identity.
    final int localAddress;
    /** Chosen on the stack thread for an active open, before the connection enters the table. */
    int localPort;
    final int remoteAddress;
    final int remotePort;
    long key;
    final TcpLayer layer;
    /**
     * The IPv6 addresses of an IPv6 connection, null for IPv4. Then {@link #localAddress} and
     * {@link #remoteAddress} hold keyed 32-bit folds of them, which only feed hashes (ISN, SYN
     * cookies, timestamp offsets) and the key of the IPv6 connection table.
     */
    Ipv6Endpoints v6;

    TcpState state = TcpState.CLOSED;

    // Send sequence variables (RFC 9293 3.3.1).
    int iss;
    int sndUna;
    int sndNxt;
    /** Highest sequence number sent so far (sndNxt goes back on a timeout; this does not). */
    int sndMax;
    int sndWnd;
    int sndWl1;
    int sndWl2;
    int maxSndWnd;
    /** End of the last short (sub-MSS) segment sent, for Minshall's Nagle variant. */
    int sndSml;
    /** tcp_cwnd_validate's record of the current window: whether cwnd limited sending in it ... */
    boolean cwndLimited;
    /** ... the most bytes outstanding in it (max_packets_out) ... */
    int maxBytesOut;
    /** ... and where it ends (cwnd_usage_seq: snd_nxt when it began). */
    int cwndUsageSeq;
    final ByteRing sendRing;
    /** Linux's accounting of the send ring in skbs (sk_sndbuf, sk_wmem_queued); see {@link SendBuffer}. */
    final SendBuffer sendBuf;
    /** Busy, receive-window-limited and send-buffer-limited time (tcpi_busy_time and friends). */
    final TcpChrono chrono = new TcpChrono();
    /** The application will send no more (shutdownOutput/close): a FIN follows the data. */
    boolean finQueued;
    /** Sequence number of our FIN, fixed when it is queued (no data can follow it). */
    int finSeq;

    // Receive sequence variables.
    int irs;
    int rcvNxt;
    /** Right edge of the window last advertised (rcv.nxt + rcv.wnd when sent); never moves left. */
    int rcvAdv;
    /**
     * Linux's {@code rcv_ssthresh}: the most the advertised window may offer now, started at the
     * SYN's window and grown as data arrives ({@link ReceiveWindow}); 0 until first needed.
     */
    int rcvSsthresh;
    /** Linux's {@code rcv_wnd}: the window (unscaled) last offered, from rcv.nxt at that time. */
    int rcvWnd;
    final ByteRing recvRing;
    /** Receive-buffer auto-tuning on (tcp_moderate_rcvbuf, no SO_RCVBUF). */
    boolean autotune;
    /** Receive-buffer auto-tuning's measurement; created at the first read with auto-tuning on. */
    RcvSpace rcvSpace;

    /** Bytes the application read in the current measurement interval, and when it began (Linux's rcvq_space). */
    static final class RcvSpace {
        long copied;
        long time;
        /** The most the application read in one measurement interval (Linux's {@code rcvq_space.space}). */
        long space;
    }
    final OutOfOrderQueue ooo = new OutOfOrderQueue();
    /** The peer's FIN has been received in order: reads return end of stream after the data. */
    boolean finReceived;
    /** A FIN that arrived ahead of missing data, valid when {@code oooFinValid}. */
    int oooFinSeq;
    boolean oooFinValid;
    /**
     * Bytes of text that came on the peer's SYN in SYN-SENT (simultaneous open), held in the
     * receive ring at RCV.NXT but not yet delivered: RFC 9293 3.10.7.3 queues them until
     * ESTABLISHED.
     */
    int synTextQueued;

    // Options negotiated in the handshake (RFC 7323, RFC 2018).
    /** Both sides offered window scaling: windows are shifted after the SYNs. */
    boolean wscaleOk;
    /** Shift applied to the windows the peer advertises (its WS option, at most 14). */
    int sndWscale;
    /** Shift applied to the windows we advertise (our WS option). */
    int rcvWscale;
    /** Both sides offered timestamps: every segment carries TSval/TSecr; PAWS applies. */
    boolean tsOk;
    /** TS.Recent (RFC 7323 4.3): the peer's timestamp to echo. */
    int tsRecent;
    /** When TS.Recent was last updated (for the 24-day PAWS validity, RFC 7323 5.5). */
    long tsRecentTime;
    /** When the connection entered TIME_WAIT (Linux's {@code tw_entry_stamp}), for tcp_tw_reuse_delay. */
    long timeWaitEntered;
    /** Per-connection offset added to our timestamp clock (Linux randomizes it per connection). */
    int tsOffset;
    /** Last.ACK.sent (RFC 7323 4.3): the ack number of our last ACK. */
    int lastAckSent;
    /** ECN negotiated (RFC 3168 6.1.1): our data carries ECT(0); CE marks are echoed with ECE. */
    boolean ecnOk;
    /** We saw a CE mark and echo ECE on every ACK until the peer's CWR (RFC 3168 6.1.3). */
    boolean ecePending;
    /** We reduced the window for an ECE: the next new data segment carries CWR (RFC 3168 6.1.2). */
    boolean cwrPending;
    /** Both sides offered SACK: our ACKs carry SACK blocks for out-of-order data. */
    boolean sackOk;
    /** A D-SACK block to report in the next ACK (RFC 2883), valid when {@code dsackPending}. */
    boolean dsackPending;
    int dsackStart;
    int dsackEnd;
    /** The receive-stream range of the most recent out-of-order segment: reported first (RFC 2018 4). */
    long lastOooStart = -1;
    long lastOooEnd = -1;

    // MSS (RFC 9293 3.7.1, RFC 6691).
    int ourMss;
    int peerMss = 536;
    int sndMss;

    // Retransmission and congestion.
    final RttEstimator rtt;
    final CongestionControl cc;
    /** Linux's CA state (OPEN, DISORDER, CWR, RECOVERY, LOSS); replaced once SACK is negotiated. */
    io.tapwire.tcp.cc.CaStateMachine ca = new io.tapwire.tcp.cc.CaStateMachine(false);
    /** What the peer SACKed above snd.una (RFC 6675). */
    /** Shared and empty ({@link SackScoreboard#NONE}) until the peer SACKs something. */
    SackScoreboard scoreboard = SackScoreboard.NONE;

    /** This connection's own scoreboard, created at the first SACK block. */
    SackScoreboard scoreboard() {
        if (scoreboard == SackScoreboard.NONE) {
            scoreboard = new SackScoreboard();
        }
        return scoreboard;
    }
    /** Loss-recovery state (per-segment record, RACK, undo, PRR, TLP); null until the first data segment is sent. */
    LossRecovery lr;
    /** What the retransmission timer slot is armed for: {@link TcpRecovery#TIMER_RTO}, {@code TIMER_PROBE} or {@code TIMER_REORDER}. */
    byte rtxMode;

    /** This connection's loss-recovery state, created at first use. */
    LossRecovery lossRecovery() {
        if (lr == null) {
            lr = new LossRecovery(layer.config().tcpReordering);
        }
        return lr;
    }

    /** Highest sequence number retransmitted in this recovery (RFC 6675 HighRxt). */
    int highRxt;
    /** CA state changes with cwnd and ssthresh (bounded). */
    private CaEventLog caLog;

    /** The CA event log's entries (none until the first change). Caller holds the lock. */
    java.util.List<CaEventLog.Event> caEvents() {
        return caLog == null ? java.util.List.of() : caLog.events();
    }

    /** Logs a CA transition if it changed the state. Caller holds the lock. */
    void logCa(io.tapwire.tcp.cc.CaStateMachine.Transition tr, long now) {
        if (tr.changed()) {
            if (caLog == null) {
                caLog = new CaEventLog();
            }
            caLog.add(now, tr.from(), tr.to(), tr.cause().name(), cc.cwnd(), cc.ssthresh());
        }
    }
    boolean rttTiming;
    int rttSeq;
    long rttStart;
    int dupAcks;
    boolean inRecovery;
    int recover;
    /** Consecutive timeouts without progress (the Linux icsk_retransmits). */
    int retransmits;
    /** When the oldest unacknowledged data of the current RTO episode was sent (Linux's retrans_stamp), for TCP_USER_TIMEOUT. */
    long retransStamp;
    /** When the first zero-window probe of the current run went out (Linux's icsk_probes_tstamp). */
    long probesStamp;
    /** Retransmitted segments over the connection's life (tcpi_total_retrans, a u32 in Linux). */
    int totalRetransmits;
    /**
     * Segments the peer has received, cumulatively ACKed or SACKed, the SYN included (Linux's
     * tp->delivered, tcpi_delivered); counted by {@link TcpAckInput#countDelivered}.
     */
    long delivered;
    /** Of {@link #delivered}, those reported by ACKs carrying ECN-Echo (tp->delivered_ce, tcpi_delivered_ce). */
    long deliveredCe;
    int synRetries;
    /** Opened from a SYN cookie: no SYN-ACK was timed (Linux's {@code snt_synack} 0), so the handshake gives no RTT sample. */
    boolean fromCookie;

    // TCP Fast Open (RFC 7413; TcpFastOpen).
    /** A Fast Open connect: the SYN waits for the first write and carries its data. */
    boolean fastOpenConnect;
    /** The SYN of a Fast Open connect is not sent yet. */
    boolean synDeferred;
    /** No timestamp sent yet ({@link #synFirstTsVal}). */
    static final long NO_TS = Long.MIN_VALUE;
    /**
     * TSval of our first SYN when it offered timestamps (Linux's retrans_stamp), else
     * {@link #NO_TS}: a SYN-ACK must echo one from then on.
     */
    long synFirstTsVal = NO_TS;
    /** Our SYN carried a Fast Open option or data: its SYN-ACK updates the cookie cache. */
    boolean synFastOpen;
    /** Data bytes our SYN carried (its first transmission only; retransmitted SYNs carry none). */
    int synDataLength;
    /** The Fast Open option our SYN or SYN-ACK carries: -1 none, 0 a cookie request, else the cookie's length. */
    int foLength = -1;
    byte[] foCookie;
    boolean foExperimental;
    /** Opened by a Fast Open SYN: accept()able, readable and writable before the handshake completes. */
    boolean fastOpenChild;
    /** Counted in its listener's Fast Open queue until the handshake completes (Linux's fastopenq.qlen). */
    boolean fastOpenQueued;
    /** The SYN's data was accepted (server) or acknowledged (client): TCP_INFO's TCPI_OPT_SYN_DATA. */
    boolean synDataDone;
    /**
     * Writers waiting for the connect to complete (Linux's sk_write_pending): a blocking write on a
     * connecting socket (sk_stream_wait_connect), a blocking Fast Open write whose data did not
     * all fit in the SYN (inet_wait_for_connect's writebias), or a caller that declared so
     * ({@link TcpUserCalls#writerWaiting}). While any waits, the SYN-ACK's ACK is held for their data.
     */
    int writePending;
    int probes;

    // ACK generation.
    boolean ackNow;
    int unackedSegments;
    int quickAcks;
    long lastReceiveTime;
    long lastDataTime;
    /** When the last data segment went out (Linux's lsndtime), 0 before the first: {@link TcpIdleRestart}. */
    long lastDataSent;
    /** Times cwnd was restarted after idle ({@link TcpIdleRestart}). */
    int idleRestarts;
    /** Linux's icsk_ack.lrcvtime: when data last arrived, or the connection was established (0: neither yet). */
    long dataRecvStamp;

    // Timers, each allocated the first time it is armed (once per connection, never per segment):
    // an idle connection keeps only those it has used, which matters at a million connections.
    Timer rtxTimer;
    Timer delackTimer;
    Timer persistTimer;
    Timer keepaliveTimer;
    Timer closeTimer;

    // Socket side.
    final TcbLock lock = new TcbLock();
    final Condition changed = lock.newCondition();
    /** 1 while the connection is on the layer's pending-output stack (a field, not an AtomicBoolean: 16 bytes less each). */
    private volatile int outputScheduled;
    private static final java.lang.invoke.VarHandle OUTPUT_SCHEDULED;

    static {
        try {
            OUTPUT_SCHEDULED = java.lang.invoke.MethodHandles.lookup().findVarHandle(Tcb.class, "outputScheduled", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Claims the right to put this connection on the pending-output stack; false if it is already there. */
    boolean claimOutputSlot() {
        return OUTPUT_SCHEDULED.compareAndSet(this, 0, 1);
    }

    /** Taken off the pending-output stack. */
    void releaseOutputSlot() {
        outputScheduled = 0;
    }
    /** Link in the layer's pending-output stack (valid while {@code outputScheduled}). */
    Tcb nextPending;
    boolean nodelay;
    /** The last write had MSG_MORE: its partial segment waits like TCP_CORK's (Linux's tcp_push with TCP_NAGLE_CORK). */
    boolean msgMore;
    /** IP_TOS/IP_TTL, TCP_NOOPT, TCP_KEEPINIT, TCP_USER_TIMEOUT, TCP_CORK: the socket's changeable options. */
    SocketSettings settings = new SocketSettings();
    /** TCP_MD5SIG keys (RFC 2385), null when none was set; replaced whole by {@link TcpMd5#setKey}. */
    volatile TcpMd5.Keys md5Keys;
    boolean keepalive;
    /** TCP_KEEPIDLE/KEEPINTVL/KEEPCNT set on this socket; null: the stack's tcp_keepalive_* settings. */
    Keepalive keepaliveSettings;

    /** Per-socket keepalive settings (kept only when the application sets them). */
    record Keepalive(long idleNanos, long intervalNanos, int probes) { }

    long keepaliveIdleNanos() {
        return keepaliveSettings != null ? keepaliveSettings.idleNanos() : layer.config().tcpKeepaliveTimeNanos;
    }

    long keepaliveIntvlNanos() {
        return keepaliveSettings != null ? keepaliveSettings.intervalNanos() : layer.config().tcpKeepaliveIntvlNanos;
    }

    int keepaliveProbes() {
        return keepaliveSettings != null ? keepaliveSettings.probes() : layer.config().tcpKeepaliveProbes;
    }
    /** The error the application sees next (reset, refused, timed out). */
    IOException error;
    /** The application closed its socket: nobody reads any more. */
    boolean orphaned;
    /** Set once the connection is gone from the table. */
    boolean released;
    /** Readiness watchers as {@link WaitQueue} keeps them in one field: null, one Waiter, or a WaitQueue. */
    Object waiters;
    /** A write found the send buffer full: the ACK that makes room reports OUT (Linux's SOCK_NOSPACE). */
    boolean sndNoSpace;
    /** A write found no memory for the send ring (tcp_mem max): not writable until {@link TcpMemory} says so. */
    boolean memoryWait;
    /** Counted among the orphans of {@code tcp_max_orphans} (closed by the application, not yet gone or in TIME_WAIT). */
    boolean orphanCounted;
    /** The listener that created this half-open or not-yet-accepted connection. */
    ListenSocket parent;
    boolean accepted;
    long bytesAcked;
    long bytesReceived;
    /** Segment and byte counts of {@code tcp_info} (tcpi_segs_out, tcpi_segs_in, tcpi_data_segs_*, tcpi_bytes_sent, tcpi_bytes_retrans). */
    int segsOut;
    int segsIn;
    int dataSegsOut;
    int dataSegsIn;
    /** Payload bytes sent, retransmissions included (tcpi_bytes_sent). */
    long bytesSent;
    long bytesRetrans;
    /** Largest payload received so far (Linux's icsk_ack.rcv_mss estimate of the peer's MSS); 0 before the first. */
    int rcvMssSeen;
    /**
     * Path MTU the send MSS was last sized for (Linux's icsk_pmtu_cookie, tcpi_pmtu): the route's
     * MTU (the interface's unless a route metric sets one), lowered by ICMP fragmentation-needed (RFC 1191).
     */
    int pmtu;
    /** The MTU of the route the connection holds (Linux's dst_mtu of its cached dst); see {@link TcpMtuProbing#currentMss}. */
    int dstMtu;
    /** {@link io.tapwire.net.RouteMetrics#generation()} when the route was looked up. */
    int routeGeneration;
    /** The route's initcwnd metric in segments (RTAX_INITCWND); 0 for the default 10. */
    int routeInitCwnd;
    /** PLPMTUD: the largest MTU still possible (Linux's icsk_mtup.search_high). */
    int mtupSearchHigh;
    /** PLPMTUD: the MTU of the probe in flight (icsk_mtup.probe_size); 0 when none is. */
    int mtupProbeSize;
    /** PLPMTUD: the probe's sequence range (tp->mtu_probe.probe_seq_start / _end). */
    int mtupProbeSeqStart;
    int mtupProbeSeqEnd;
    /** PLPMTUD: when the current search started (icsk_mtup.probe_timestamp), for tcp_probe_interval. */
    long mtupProbeTimestamp;
    /** PLPMTUD is on (Linux's icsk_mtup.enabled: from the start with tcp_mtu_probing=2, after a black hole with 1). */
    boolean mtupEnabled;
    /** PLPMTUD's search_low as the MSS it allows (Linux keeps tcp_mss_to_mtu of it in icsk_mtup.search_low); 0 until set. */
    int mtupSearchLowMss;
    /** Delivery-rate sampling; created at the first acknowledgment of data. */
    RateSample rate;

    /** Bytes acknowledged per interval of at least one smoothed RTT. */
    static final class RateSample {
        long startTime;
        long startBytes;
        long deliveryRate;
    }

    Tcb(TcpLayer layer, int localAddress, int localPort, int remoteAddress, int remotePort, int rcvbuf, int sndbuf,
        RttEstimator rtt, CongestionControl cc) {
        this.layer = layer;
        this.localAddress = localAddress;
        this.localPort = localPort;
        this.remoteAddress = remoteAddress;
        this.remotePort = remotePort;
        this.key = key(remoteAddress, remotePort, localPort);
        this.recvRing = layer.rings().newReceiveRing(rcvbuf);
        this.sendRing = layer.rings().newSendRing(sndbuf);
        this.sendBuf = new SendBuffer(sendRing, sndbuf);
        this.rtt = rtt;
        this.cc = cc;
    }

    Timer rtxTimer() {
        if (rtxTimer == null) {
            rtxTimer = new Timer(this, TIMER_RTX);
        }
        return rtxTimer;
    }

    /** The retransmission timer slot, to be armed as the RTO (RFC 6298). */
    Timer rtoTimer() {
        rtxMode = TcpRecovery.TIMER_RTO;
        return rtxTimer();
    }

    Timer delackTimer() {
        if (delackTimer == null) {
            delackTimer = new Timer(this, TIMER_DELACK);
        }
        return delackTimer;
    }

    Timer persistTimer() {
        if (persistTimer == null) {
            persistTimer = new Timer(this, TIMER_PERSIST);
        }
        return persistTimer;
    }

    Timer keepaliveTimer() {
        if (keepaliveTimer == null) {
            keepaliveTimer = new Timer(this, TIMER_KEEPALIVE);
        }
        return keepaliveTimer;
    }

    Timer closeTimer() {
        if (closeTimer == null) {
            closeTimer = new Timer(this, TIMER_CLOSE);
        }
        return closeTimer;
    }

    private static final int TIMER_RTX = 0;
    private static final int TIMER_DELACK = 1;
    private static final int TIMER_PERSIST = 2;
    private static final int TIMER_KEEPALIVE = 3;
    private static final int TIMER_CLOSE = 4;

    /** One of this connection's timers fired (called by the timer queue on the stack thread). */
    @Override
    public void onTimer(int kind) {
        TcpTimers timers = layer.timers();
        switch (kind) {
            case TIMER_RTX -> timers.onRetransmitTimer(this);
            case TIMER_DELACK -> timers.onDelayedAck(this);
            case TIMER_PERSIST -> timers.onPersist(this);
            case TIMER_KEEPALIVE -> timers.onKeepalive(this);
            case TIMER_CLOSE -> timers.onCloseTimer(this);
            default -> throw new IllegalStateException("no TCP timer " + kind);
        }
    }

    /** Whether a lazily allocated timer exists and is armed. */
    static boolean armed(Timer timer) {
        return timer != null && timer.isArmed();
    }

    /** The connection-table key: remote address, remote port, local port (one local address). */
    static long key(int remoteAddress, int remotePort, int localPort) {
        return ((long) remoteAddress << 32) | ((long) remotePort << 16) | localPort;
    }

    public TcpState state() {
        return state;
    }

    public int localAddress() { return localAddress; }
    /** The IPv6 addresses of an IPv6 connection, null for IPv4. */
    public Ipv6Endpoints ipv6() { return v6; }

    /** The peer as text: {@code 10.0.0.1:80} or {@code [fd00::1]:80}. */
    String remoteText() {
        return v6 != null ? "[" + v6.remote() + "]:" + remotePort : Ipv4Address.toString(remoteAddress) + ":" + remotePort;
    }
    public int localPort() { return localPort; }
    /**
     * TCP Fast Open (RFC 7413): the SYN's data was taken (server) or acknowledged (client):
     * Linux's TCPI_OPT_SYN_DATA in tcpi_options.
     */
    public boolean fastOpenSynData() { return synDataDone; }
    /** The peer's FIN arrived in order (Linux counts it in RCV.NXT: TCP_INQ's hint includes it until read). */
    public boolean finReceived() { return finReceived; }
    /** A Fast Open connect whose SYN waits for the first write (TCP_FASTOPEN_CONNECT). */
    public boolean fastOpenSynDeferred() { return synDeferred; }
    public int remoteAddress() { return remoteAddress; }
    public int remotePort() { return remotePort; }

    /** Bytes sent and not yet acknowledged (SYN and FIN included, as Linux counts them). */
    int inFlight() {
        return Seq.diff(sndNxt, sndUna);
    }

    /**
     * Linux's tcp_is_cwnd_limited: cwnd limited sending during the current window (tracked by
     * {@link TcpOutput} as tcp_cwnd_validate does), or, in slow start, cwnd is below twice the
     * most data that was outstanding in it ("ensure cwnd grows to twice what was ACKed"). Only
     * then does an ACK grow cwnd (RFC 7661's idea).
     */
    boolean isCwndLimited() {
        if (cwndLimited) {
            return true;
        }
        int cwnd = cc.cwnd();
        return cwnd < cc.ssthresh() && cwnd < 2L * maxBytesOut;
    }

    /** Stream offset in the send ring of sequence number {@code seq} (valid once the SYN is acknowledged). */
    long sendOffset(int seq) {
        // Data starts one past the SYN: while the SYN is unacknowledged (Fast Open data on or
        // after it), SND.UNA is the SYN's own number.
        int firstData = sndUna == iss ? Seq.add(iss, 1) : sndUna;
        return sendRing.head() + Seq.diff(seq, firstData);
    }

    /** Queues our FIN right after the last byte written so far. Caller holds the lock. */
    void queueFin() {
        int firstUnacked = sndUna == iss ? Seq.add(iss, 1) : sndUna;
        finSeq = Seq.add(firstUnacked, sendRing.size());
        finQueued = true;
    }

    /** True when our FIN has been sent (false again if a timeout rolled sndNxt back before it). */
    boolean finSent() {
        return finQueued && Seq.gt(sndNxt, finSeq);
    }

    /** True when our FIN has been acknowledged. */
    boolean finAcked() {
        return finQueued && Seq.gt(sndUna, finSeq);
    }

    /**
     * Wakes threads blocked on this connection and tells readiness watchers it may be ready for
     * {@code events} now. Caller holds the lock.
     */
    void wake(int events) {
        changed.signalAll();
        if (waiters != null) {
            WaitQueue.wake(waiters, events);
        }
    }

    /**
     * After an ACK freed send-buffer space: wakes blocked writers, and tells watchers OUT only if
     * a write had found the buffer full and there is room again, as Linux's
     * {@code sk_stream_write_space} does (no OUT edge per ACK). Caller holds the lock.
     */
    void wakeWriters() {
        if (!layer.config().tcpBsdSendBuffer) {
            checkSpace();
            return;
        }
        changed.signalAll();
        if (waiters != null && sndNoSpace && writable()) {
            sndNoSpace = false;
            WaitQueue.wake(waiters, Events.OUT);
        }
    }

    /**
     * Linux's tcp_check_space after an ACK or a send: only while a writer found no space
     * (SOCK_NOSPACE), grow sk_sndbuf if cwnd has room (tcp_new_space, tcp_should_expand_sndbuf:
     * fewer packets in flight than cwnd), then, if the socket is writable, clear the flag and wake
     * blocked writers and OUT watchers (sk_stream_write_space). Caller holds the lock.
     */
    private void checkSpace() {
        if (!sndNoSpace) {
            return;
        }
        if (state.isSynchronized() && inFlight() < cc.cwnd() && !layer.memory().underPressure()) {
            int mss = Math.max(1, sndMss);
            sendBuf.expand(mss, (int) Math.min(Integer.MAX_VALUE, cc.cwnd() / mss),
                    lr == null ? layer.config().tcpReordering : lr.reordering, layer.config().tcpWmemMax);
        }
        if (writable()) {
            sndNoSpace = false;
            // tcp_check_space: no longer send-buffer limited.
            chrono.stop(TcpChrono.SNDBUF_LIMITED, layer.now(), sendRing.size() == 0);
            changed.signalAll();
            if (waiters != null) {
                WaitQueue.wake(waiters, Events.OUT);
            }
        }
    }

    /**
     * Room to write as Linux's {@code sk_stream_is_writeable}: free space at least half of what is
     * queued, so an event loop is not woken for a few bytes. With Linux's send buffer
     * ({@link SendBuffer}) counted in skb truesize against sk_sndbuf, with twice the unsent bytes
     * below TCP_NOTSENT_LOWAT (tcp_poll's wake 1); with BSD's in data bytes.
     */
    boolean writable() {
        if (memoryWait) {
            return false;
        }
        if (!layer.config().tcpBsdSendBuffer) {
            return sendBuf.writeable(notSent(), notSentLowat());
        }
        if (!belowNotSentLowat()) {
            return false;
        }
        int free = sendRing.free();
        return free > 0 && free >= sendRing.size() / 2;
    }

    /** The connection's TCP_NOTSENT_LOWAT, or {@code tcp_notsent_lowat} without one (tcp_notsent_lowat()). */
    long notSentLowat() {
        return settings.notSentLowat > 0 ? settings.notSentLowat : layer.config().tcpNotsentLowat;
    }

    /** Written but never sent bytes (Linux's write_seq - snd_nxt). */
    long notSent() {
        return Math.max(0, sendRing.tail() - sendOffset(sndMax));
    }

    /** Fewer unsent bytes than TCP_NOTSENT_LOWAT (Linux's tcp_stream_memory_free). */
    boolean belowNotSentLowat() {
        long lowat = settings.notSentLowat > 0 ? settings.notSentLowat : layer.config().tcpNotsentLowat;
        return notSent() < lowat;
    }

    /** Bytes a write may still queue under TCP_NOTSENT_LOWAT (Long.MAX_VALUE without a limit in reach). */
    long notSentRoom() {
        long lowat = settings.notSentLowat > 0 ? settings.notSentLowat : layer.config().tcpNotsentLowat;
        return Math.max(0, lowat - notSent());
    }

    /** The error queue (MSG_ZEROCOPY, SO_TIMESTAMPING), null until either is first used. */
    TcpErrorQueue errorQueue;

    /** The connection's error queue, created at first use. */
    TcpErrorQueue errorQueue() {
        if (errorQueue == null) {
            errorQueue = new TcpErrorQueue();
        }
        return errorQueue;
    }

    /** The send ring is acknowledged up to its head: the error queue's messages for the bytes it covers (POLLERR). */
    void errorQueueAcked() {
        if (errorQueue != null && errorQueue.acked(sendRing.head(), layer.now())) {
            wake(Events.ERR);
        }
    }

    /**
     * What the connection is ready for, as {@link Events} bits — Linux's {@code tcp_poll}: HUP once
     * both directions are shut or the connection is gone, IN and RDHUP after the peer's FIN, IN with
     * data to read, OUT with room to write (or once our side is shut, so a write reports the error),
     * ERR with an error pending. Nothing while the handshake is in progress. Caller holds the lock.
     */
    int readiness() {
        boolean closed = released || state == TcpState.CLOSED;
        boolean rcvShut = finReceived || closed;
        boolean sndShut = finQueued || closed;
        int mask = 0;
        if (rcvShut && sndShut) {
            mask |= Events.HUP;
        }
        if (rcvShut) {
            mask |= Events.IN | Events.RDHUP;
        }
        if (closed || state.isSynchronized() || fastOpenChild) {
            if (recvRing.size() > 0) {
                mask |= Events.IN;
            }
            if (sndShut || writable()) {
                mask |= Events.OUT;
            }
        }
        if (state == TcpState.SYN_SENT && synDeferred && !closed) {
            // TCP_FASTOPEN_CONNECT: writable at once, the first write goes in the SYN (Linux's
            // tcp_poll reports EPOLLOUT for a deferred connect).
            mask |= Events.OUT;
        }
        if (error != null || errorQueue != null && errorQueue.hasMessage()) {
            // Linux's tcp_poll: EPOLLERR for sk_err or a non-empty error queue.
            mask |= Events.ERR;
        }
        return mask;
    }

    /** Receive window we could offer now: free space in the receive ring. */
    int freeReceiveSpace() {
        return recvRing.free();
    }

    /** Bytes in holes below the highest SACKed byte during recovery (RFC 6675's lost estimate). */
    int lostBytes() {
        if (!inRecovery || scoreboard.isEmpty()) {
            return 0;
        }
        return Math.max(0, Seq.diff(scoreboard.highestSacked(), sndUna) - scoreboard.sackedBytes());
    }

    /**
     * Linux's receive-MSS estimate: the largest segment seen, or before any, tcp_initialize_rcv_mss's
     * guess min(advmss, mss, 536) (never below TCP_MIN_MSS, 88).
     */
    int rcvMss() {
        if (rcvMssSeen > 0) {
            return rcvMssSeen;
        }
        return Math.max(88, Math.min(Math.min(ourMss, sndMss), 536));
    }

    /**
     * Linux's {@code rcvq_space.space}: the most the application read in one round trip, starting at
     * min(receive buffer, 10 * advmss) (tcp_init_buffer_space's TCP_INIT_CWND * advmss).
     */
    int rcvSpace() {
        long initial = Math.min(recvRing.capacity(), 10L * ourMss);
        return (int) Math.max(initial, rcvSpace == null ? 0 : rcvSpace.space);
    }

    /**
     * TCP_MAXSEG (Linux's user_mss, tcp_mss_clamp): the MSS we advertise, and so the one we send
     * with (sndMss is at most ourMss), is at most the socket's. Called once the connection has its
     * settings, before its SYN or SYN-ACK.
     */
    void applyUserMss() {
        if (settings.maxSeg > 0) {
            ourMss = Math.min(ourMss, settings.maxSeg);
        }
    }

    @Override
    public String toString() {
        if (v6 != null) {
            return "[" + v6.local() + "]:" + localPort + " <-> [" + v6.remote() + "]:" + remotePort + " " + state;
        }
        return Ipv4Address.toString(localAddress) + ":" + localPort + " <-> " + Ipv4Address.toString(remoteAddress) + ":" + remotePort
                + " " + state;
    }
}
