package io.tapwire.pcap.drill;

import java.util.HashMap;
import java.util.Map;

/**
 * The connection under test, as packetdrill tracks it: its ports, and the mapping between the
 * script's sequence numbers and the live ones. The peer's side needs no mapping (the interpreter
 * injects exactly the numbers the script writes); the stack's side is relative to its initial
 * sequence number, learned from the first SYN or SYN-ACK it sends for the connection. Before
 * that (a segment to a closed port, say) numbers are taken as they are.
 */
final class Flow {
    private static final long MASK = 0xFFFF_FFFFL;

    enum Phase {
        /** No listening or connecting socket yet. */
        IDLE,
        /** A socket listens; the next inbound segment opens a child connection. */
        LISTENING,
        /** An inbound segment reached the listener; the stack's SYN-ACK will give its ISN. */
        PACKET_RECEIVED,
        /** connect() was called; the stack's SYN will give its port and ISN. */
        CONNECTING,
        /** The mapping is fixed. */
        MAPPED
    }

    Phase phase = Phase.IDLE;
    /** Fast Open cookies between the script's addresses and the runner's (Linux's dialect). */
    final FastOpenCookieMap cookies = new FastOpenCookieMap();
    int localPort = -1;
    int remotePort = FreeBsdProfile.PEER_PORT;
    private boolean isnKnown;
    private long scriptIsn;
    private long liveIsn;
    /** Timestamp values: script value to the live value the stack sent for it. */
    private final Map<Long, Long> tsVals = new HashMap<>();

    void learnIsn(long script, long live) {
        scriptIsn = script;
        liveIsn = live;
        isnKnown = true;
        phase = Phase.MAPPED;
    }

    boolean isnKnown() {
        return isnKnown;
    }

    /** Live minus script for the stack's sequence space (0 while unknown). */
    long offset() {
        return isnKnown ? (liveIsn - scriptIsn) & MASK : 0;
    }

    /** A stack sequence number as the script writes it. */
    long toScript(long live) {
        return (live - offset()) & MASK;
    }

    /** Live sequence number of the last segment the stack sent that the script matched; -1 before. */
    long lastSentLiveSeq = -1;

    /** A script number in the stack's sequence space (ACKs and SACK blocks the peer sends) as sent live. */
    long toLive(long script) {
        return (script + offset()) & MASK;
    }

    /**
     * Linux's packetdrill numbering (its socket.h), used for Linux's scripts: only SYNs carry
     * numbers as written (the stack's relative to the ISN the script gives it, the peer's
     * absolute); every other segment numbers both sides from their ISNs, so after
     * {@code < S 999000:999040(40)} the peer's next segment is {@code 1:1(0)}. The FreeBSD suite's
     * peers start at 0, where both readings agree, and keep {@link #toLive}/{@link #toScript}.
     */
    boolean packetdrillNumbering;
    private boolean remoteIsnKnown;
    private long remoteIsn;

    /** The peer's ISN, from the SYN the script injects for the connection. */
    void learnRemoteIsn(long seq) {
        remoteIsn = seq & MASK;
        remoteIsnKnown = true;
    }

    /** A new active open: the peer's ISN is the one its SYN-ACK (or SYN) for this connection gives. */
    void forgetRemoteIsn() {
        remoteIsnKnown = false;
    }

    boolean remoteIsnKnown() {
        return remoteIsnKnown;
    }

    /** A stack sequence number (an ACK or SACK edge the peer sends) as sent live; {@code syn}: in a SYN. */
    long localToLive(long script, boolean syn) {
        if (!packetdrillNumbering || syn || !isnKnown) {
            return toLive(script);
        }
        return (script + liveIsn) & MASK;
    }

    /** A stack sequence number as the script writes it; {@code syn}: in a SYN. */
    long localToScript(long live, boolean syn) {
        if (!packetdrillNumbering || syn || !isnKnown) {
            return toScript(live);
        }
        return (live - liveIsn) & MASK;
    }

    /** A peer sequence number (its seq, or the stack's ACK of it) as sent live; {@code syn}: in a SYN. */
    long remoteToLive(long script, boolean syn) {
        return packetdrillNumbering && !syn && remoteIsnKnown ? (script + remoteIsn) & MASK : script & MASK;
    }

    /** A peer sequence number as the script writes it; {@code syn}: in a SYN. */
    long remoteToScript(long live, boolean syn) {
        return packetdrillNumbering && !syn && remoteIsnKnown ? (live - remoteIsn) & MASK : live & MASK;
    }

    /**
     * packetdrill's {@code --tcp_ts_tick_usecs}: the stack's TSval must advance with time at this
     * tick, within the tolerance, counted from the first TSval the script and the stack showed
     * (0: any TSval is accepted, packetdrill's default).
     */
    long tsTickMicros;
    long toleranceMicros;
    /** packetdrill's {@code --tcp_ts_ecr_scaled}: an ECR the stack never sent is interpolated from the first TSval pair. */
    boolean tsEcrScaled;
    private boolean firstTsKnown;
    private long firstScriptTs;
    private long firstLiveTs;

    /**
     * Checks an outbound TSval against the script's (see {@link #tsTickMicros}); null when it is
     * within the tolerance, else the difference.
     */
    String checkTsVal(long script, long live) {
        if (!firstTsKnown) {
            firstTsKnown = true;
            firstScriptTs = script;
            firstLiveTs = live;
        }
        if (tsTickMicros <= 0) {
            return null;
        }
        long mapped = (firstScriptTs + live - firstLiveTs) & MASK;
        long deviation = Math.abs((long) (int) (mapped - script));
        if (deviation * tsTickMicros > toleranceMicros) {
            return "TS val: expected " + script + " got " + mapped + " (in script terms, tick " + tsTickMicros + " us, tolerance "
                    + toleranceMicros + " us)";
        }
        return null;
    }

    /** The live ECR for a script ECR the stack never sent as TSval, with {@link #tsEcrScaled}; null otherwise. */
    Long scaledTsEcr(long script) {
        return tsEcrScaled && firstTsKnown ? (script - firstScriptTs + firstLiveTs) & MASK : null;
    }

    /**
     * A new active open: packetdrill checks TSval ticks from each socket's first TSval, so the
     * next connection's first TSval starts a new mapping (a reincarnated 4-tuple's clock is not
     * followed across connections).
     */
    void newConnectionTsVals() {
        firstTsKnown = false;
    }

    void rememberTsVal(long script, long live) {
        tsVals.put(script, live);
    }

    /** The live TSval the script's value stands for, or null when the stack never sent it. */
    Long liveTsVal(long script) {
        return tsVals.get(script);
    }

    /** True when an outbound segment belongs to this connection. */
    boolean owns(WireSegment s) {
        return s.dstIp() == FreeBsdProfile.PEER_ADDRESS && s.srcIp() == FreeBsdProfile.STACK_ADDRESS
                && s.srcPort() == localPort && s.dstPort() == remotePort;
    }
}
