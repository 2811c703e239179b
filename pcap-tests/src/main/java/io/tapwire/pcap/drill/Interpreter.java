package io.tapwire.pcap.drill;

import io.tapwire.Stack;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.tcp.TcpState;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs one packetdrill script against a fresh tapwire stack on virtual time, with packetdrill's
 * semantics:
 *
 * <ul>
 *   <li>An event's time is absolute, or relative to the moment the previous event finished. The
 *       interpreter moves virtual time to it (running the stack's timers on the way) and fails if
 *       it is already later than the time plus the tolerance.</li>
 *   <li>{@code <} injects the segment with the peer's numbers as written and the stack's numbers
 *       mapped to live ones ({@link Flow}).</li>
 *   <li>{@code >} takes the next segment the stack sent for the connection under test (waiting on
 *       virtual time until the expected time plus tolerance if none is queued), compares every
 *       field ({@link SegmentCheck}) and then its time. Segments the stack sent are matched in
 *       order ({@link SentSegments}), so an unexpected segment is the difference at the next
 *       {@code >}; what the stack sends after the last {@code >} line is unscripted and, as in
 *       packetdrill, only noted.</li>
 *   <li>A system call on a blocking socket that cannot finish waits on virtual time until it can,
 *       as the call would block a real process; on a non-blocking one it fails with EAGAIN.</li>
 *   <li>The stack must count no internal error (RX_INTERNAL_ERRORS) during the script.</li>
 * </ul>
 *
 * Anything the interpreter cannot do faithfully ends the run as unsupported, never as passed.
 */
public final class Interpreter {
    /** Longest a blocking call or a {@code *} packet may wait on virtual time. */
    private static final long MAX_WAIT_NANOS = 600_000_000_000L;
    /** packetdrill's default --tolerance_usecs. */
    static final long DEFAULT_TOLERANCE_MICROS = 4_000;

    private final Script script;
    private final RunOptions runOptions;
    private final StackConfig config;
    /** Linux's dialect (Linux profile, shell lines, TSO-sized segments), else the FreeBSD suite's. */
    private final boolean linux;
    private final LinuxShell linuxShell;
    private final PythonAsserts python = new PythonAsserts();
    /** Connections the peer opened to a listener so far (Linux's dialect gives each its own port). */
    private int passiveOpens;
    private final List<String> notes = new ArrayList<>();
    private final List<String> tolerated = new ArrayList<>();
    private final List<String> trace = new ArrayList<>();
    private final Flow flow = new Flow();
    private final SentSegments sent = new SentSegments(flow, notes);
    private final Syscalls syscalls;
    private long toleranceNanos = DEFAULT_TOLERANCE_MICROS * 1000;
    private int mtu = 1500;
    /** Linux's {@code --mss}: the gso_size of inbound GRO packets; 0 without it (they arrive IP-fragmented). */
    private int groMss;
    private boolean ipv6;
    private int bindPort = FreeBsdProfile.DEFAULT_PORT;
    private int connectPort = FreeBsdProfile.DEFAULT_PORT;
    private DrillHost host;
    private long now;
    /** The files the script makes, in a temporary folder deleted when the run ends. */
    private final ScratchFiles scratch = new ScratchFiles();
    private int eventIndex;
    private long previousAbsoluteMicros = -1;
    /** The script's folder (null for a script given as text). */
    private final java.nio.file.Path scriptDir;

    private Interpreter(Script script, RunOptions runOptions, boolean linux, java.nio.file.Path scriptDir) {
        this.script = script;
        this.runOptions = runOptions;
        this.linux = linux;
        this.scriptDir = scriptDir;
        this.config = linux ? LinuxProfile.stackConfig() : FreeBsdProfile.stackConfig();
        this.linuxShell = linux ? new LinuxShell(config, scriptDir, notes, () -> host == null ? null : host.stack()) : null;
        if (linuxShell != null) {
            linuxShell.scratch(scratch);
            linuxShell.localDrops(on -> {
                ensureStack();
                host.refuseTransmits(on);
            });
        }
        flow.packetdrillNumbering = linux;
        this.syscalls = new Syscalls(new Syscalls.Context() {
            @Override public Stack stack() { return host.stack(); }
            @Override public void ensureStack() { Interpreter.this.ensureStack(); }
            @Override public void settle() { Interpreter.this.settle(); }
            @Override public Flow flow() { return flow; }
            @Override public int mss() { return mtu - (ipv6 ? 60 : 40); }
            @Override public boolean ipv6() { return ipv6; }
            @Override public boolean linux() { return linux; }
            @Override public long now() { return now; }
            @Override public long toleranceNanos() { return toleranceNanos; }
            @Override public ScratchFiles scratch() { return scratch; }
            @Override public int bindPort() { return bindPort; }
            @Override public int connectPort() { return connectPort; }
            @Override public void tolerated(String note) { tolerated.add(note); }
            @Override public void note(String note) { notes.add(note); }
        });
    }

    /** Runs {@code script}; never throws for anything the script or the stack does. */
    public static ScriptResult run(Script script, RunOptions options) {
        return new Interpreter(script, options, false, null).run();
    }

    /** Parses and runs the script in {@code text}; a script that does not parse is reported as unsupported. */
    public static ScriptResult run(String name, String text, RunOptions options) {
        return run(name, text, options, null);
    }

    /**
     * Parses and runs the script in {@code text}, read from {@code file} (null: text only), in
     * the dialect it is written in: Linux's ({@link LinuxProfile#applies}) or the FreeBSD suite's.
     */
    public static ScriptResult run(String name, String text, RunOptions options, java.nio.file.Path file) {
        boolean linux = LinuxProfile.applies(file, text);
        Script script;
        try {
            script = ScriptParser.parse(name, text, options.defines());
        } catch (ScriptException e) {
            String kind = e.kind() == ScriptException.Kind.SYNTAX ? "script error: " : "unsupported: ";
            return new ScriptResult(name, ScriptResult.Status.SKIPPED_UNSUPPORTED, e.line(), kind + e.getMessage(), List.of(),
                    List.of(), List.of());
        }
        java.nio.file.Path dir = file == null ? null : file.toAbsolutePath().getParent();
        return new Interpreter(script, options, linux, dir).run();
    }

    private ScriptResult run() {
        Errno.LINUX.set(linux);
        try {
            return runScript();
        } finally {
            Errno.LINUX.remove();
            scratch.close();
        }
    }

    private ScriptResult runScript() {
        try {
            // Linux's packetdrill runner (selftests' ksft_runner.sh) runs a script whose name says
            // ipv6 over IPv6 only; the others over IPv4 here.
            String byName = linux && script.name().contains("ipv6") ? "ipv6" : "ipv4";
            String ip = script.options().getOrDefault("ip_version", byName);
            if ("ipv6".equals(ip)) {
                ipv6 = true;
                FreeBsdProfile.ipv6(config);
            } else if (!"ipv4".equals(ip)) {
                // ipv4-mapped-ipv6: an IPv6 socket talking to an IPv4 peer, which tapwire's API does not model.
                return result(ScriptResult.Status.SKIPPED_IPV6, 0, "--ip_version=" + ip + ": not supported");
            }
            applyOptions(script.options());
            if (linuxShell != null) {
                linuxShell.scriptRemote(script.options().getOrDefault("remote_ip", ipv6 ? "2001:DB8::1" : "192.0.2.1"), ipv6);
            }
            if (linux) {
                TreeDefaults.applyUnlessRun(script, scriptDir, linuxShell, notes);
            }
            if (linux && !ipv6) {
                // The script's addresses (packetdrill's defaults unless its header sets them) for its Fast Open cookies.
                flow.cookies.enable(script.options().getOrDefault("remote_ip", FastOpenCookieMap.DEFAULT_REMOTE),
                        script.options().getOrDefault("local_ip", FastOpenCookieMap.DEFAULT_LOCAL), () -> config.tcpFastopenKey);
            }
            flow.toleranceMicros = toleranceNanos / 1000;
            List<Script.Event> events = script.events();
            EventTime first = events.get(0).time();
            if (first.kind() != EventTime.Kind.ABSOLUTE && first.kind() != EventTime.Kind.RELATIVE || first.startMicros() != 0) {
                throw ScriptException.syntax(events.get(0).line(), "first event should be at time 0");
            }
            for (eventIndex = 0; eventIndex < events.size(); eventIndex++) {
                runEvent(events.get(eventIndex));
            }
            finish(events.get(events.size() - 1).line());
            return result(ScriptResult.Status.PASSED, 0, null);
        } catch (ScriptFailure f) {
            return result(ScriptResult.Status.FAILED, f.line(), f.getMessage());
        } catch (ScriptException e) {
            String kind = e.kind() == ScriptException.Kind.SYNTAX ? "script error: " : "unsupported: ";
            return result(ScriptResult.Status.SKIPPED_UNSUPPORTED, e.line(), kind + e.getMessage());
        } catch (RuntimeException | java.io.IOException e) {
            int line = eventIndex < script.events().size() ? script.events().get(eventIndex).line() : 0;
            return result(ScriptResult.Status.FAILED, line, "interpreter error: " + e);
        }
    }

    private ScriptResult result(ScriptResult.Status status, int line, String message) {
        return new ScriptResult(script.name(), status, line, message, List.copyOf(notes), List.copyOf(tolerated), List.copyOf(trace));
    }

    private void applyOptions(Map<String, String> options) {
        for (Map.Entry<String, String> o : options.entrySet()) {
            String v = o.getValue();
            try {
                switch (o.getKey()) {
                    case "ip_version" -> { }
                    // Linux's dialect: compare segments as sent, without joining them as GSO would (see SentSegments.coalesce).
                    case "strict_segments" -> { }
                    case "tcp_ts_tick_usecs" -> flow.tsTickMicros = Long.parseLong(v);
                    case "tcp_ts_ecr_scaled" -> flow.tsEcrScaled = true;
                    // Linux's dialect: the gso_size packetdrill gives inbound GSO packets: a longer segment
                    // arrives as one GRO packet of segments of that size (see inject).
                    case "mss" -> {
                        groMss = Integer.parseInt(v);
                        notes.add("option --mss=" + v + ": inbound segments above it arrive as one GRO packet of " + v + "-byte segments");
                    }
                    case "tolerance_usecs" -> toleranceNanos = Long.parseLong(v) * 1000;
                    case "mtu" -> mtu = Integer.parseInt(v);
                    case "bind_port" -> bindPort = Integer.parseInt(v);
                    case "connect_port" -> connectPort = Integer.parseInt(v);
                    // The runner's addresses are fixed; the script's matter only for Fast Open cookies (FastOpenCookieMap).
                    case "local_ip", "remote_ip" -> notes.add("option --" + o.getKey() + "=" + v + ": runs on 10.0.0.2 / 10.0.0.1,"
                            + " Fast Open cookies translated");
                    default -> notes.add("option --" + o.getKey() + (v == null ? "" : "=" + v) + " ignored");
                }
            } catch (NumberFormatException e) {
                throw ScriptException.syntax(1, "option --" + o.getKey() + " needs a number, got " + v);
            }
        }
    }

    // ------------------------------------------------------------------ events

    private void runEvent(Script.Event e) throws java.io.IOException {
        EventTime t = e.time();
        long start = switch (t.kind()) {
            case ABSOLUTE, ABSOLUTE_RANGE -> t.startMicros() * 1000;
            case RELATIVE, RELATIVE_RANGE -> now + t.startMicros() * 1000;
            case ANY -> now;
        };
        long end = switch (t.kind()) {
            case ABSOLUTE_RANGE -> t.endMicros() * 1000;
            case RELATIVE_RANGE -> now + t.endMicros() * 1000;
            default -> start;
        };
        // packetdrill compares only consecutive absolute times; a late absolute event after
        // relative ones is a timing error instead.
        if (t.kind() == EventTime.Kind.ABSOLUTE && t.startMicros() < previousAbsoluteMicros) {
            throw ScriptException.syntax(e.line(), "time goes backward in script");
        }
        previousAbsoluteMicros = t.kind() == EventTime.Kind.ABSOLUTE ? t.startMicros() : -1;
        if (e.action() instanceof Script.Packet p && !p.inbound()) {
            expectOutbound(e, p.tcp(), p.ip(), start, end);
            pollPending();
            return;
        }
        advanceTo(start);
        if (now > start + toleranceNanos) {
            throw new ScriptFailure(e.line(), "timing error: expected " + describe(e.action()) + " at " + Micros.formatNanos(start)
                    + " s but it could only happen at " + Micros.formatNanos(now) + " s");
        }
        trace.add(Micros.formatNanos(now) + " line " + e.line() + ": " + e.action());
        if (e.action() instanceof Script.Packet p) {
            inject(e.line(), p.tcp(), p.ip());
        } else if (e.action() instanceof Script.Icmp i) {
            injectIcmp(e.line(), i);
        } else if (e.action() instanceof Script.Syscall s) {
            if (t.isRange()) {
                blockingCall(e.line(), s, end);
            } else {
                syscall(e.line(), s);
            }
        } else if (e.action() instanceof Script.Command c) {
            command(e.line(), c.text());
        } else if (e.action() instanceof Script.Code c) {
            code(e.line(), c.text());
        }
        pollPending();
    }

    /** A blocking call written start...end that has not returned yet; the script goes on meanwhile. */
    private record Pending(int line, Script.Syscall syscall, Syscalls.Call call, long end) {
    }

    private Pending pending;

    /**
     * start...end: packetdrill runs a blocking call in a thread of its own, so the events after it
     * (the ACKs that let a write finish) happen while it blocks; it must return at the end time.
     */
    private void blockingCall(int line, Script.Syscall s, long end) throws java.io.IOException {
        if (pending != null) {
            throw ScriptException.unsupported(line, "a second blocking call while " + pending.syscall().name() + "() of line "
                    + pending.line() + " still blocks");
        }
        Syscalls.Call call = syscalls.prepare(s, line);
        Syscalls.Result r = call.attempt().attempt();
        settle();
        if (r == null && !(call.dontWait() || call.socket() != null && call.socket().nonBlocking)) {
            pending = new Pending(line, s, call, end);
            trace.add(Micros.formatNanos(now) + " line " + line + ": " + s.name() + "() blocks");
            return;
        }
        returned(new Pending(line, s, call, end), r == null ? Syscalls.Result.error("EAGAIN") : r);
    }

    /** Tries the pending blocking call again; checks it once it returns. */
    private void pollPending() throws java.io.IOException {
        if (pending == null) {
            return;
        }
        Syscalls.Result r = pending.call().attempt().attempt();
        settle();
        if (r != null) {
            Pending p = pending;
            pending = null;
            trace.add(Micros.formatNanos(now) + " line " + p.line() + ": " + p.syscall().name() + "() returned after blocking");
            returned(p, r);
        }
    }

    private void returned(Pending p, Syscalls.Result r) {
        if (now < p.end() - toleranceNanos || now > p.end() + toleranceNanos) {
            throw new ScriptFailure(p.line(), "timing error: expected " + p.syscall().name() + "() to return at "
                    + Micros.formatNanos(p.end()) + " s (tolerance " + toleranceNanos / 1000 + " us) but it returned at "
                    + Micros.formatNanos(now) + " s");
        }
        checkResult(p.line(), p.syscall(), r);
    }

    private static String describe(Script.Action a) {
        if (a instanceof Script.Packet p) {
            return p.inbound() ? "inbound packet" : "outbound packet";
        }
        if (a instanceof Script.Icmp) {
            return "inbound ICMP packet";
        }
        return a instanceof Script.Syscall ? "system call start" : "command";
    }

    private void ensureStack() {
        if (host == null) {
            host = new DrillHost(config, mtu, groMss > 0, (frame, nanos) -> sent.add(frame, nanos, eventIndex));
            if (linuxShell != null) {
                linuxShell.stackBuilt(host.stack());
            }
            host.advanceTo(now);
        }
    }

    private void advanceTo(long t) throws java.io.IOException {
        if (host != null) {
            // With a blocking call pending, timer by timer, so it returns at the right time.
            while (pending != null && host.step(t)) {
                now = host.now();
                pollPending();
            }
            host.advanceTo(t);
            now = host.now();
        } else {
            now = Math.max(now, t);
        }
    }

    // ------------------------------------------------------------------ packets

    /**
     * Injects the segment as written. A segment larger than the MSS (Linux's scripts hand those to
     * packetdrill's tun device as one GSO packet, which the receiver takes as one GRO skb) arrives
     * as one IP-fragmented TCP segment: tapwire, like Linux with GRO, processes it as one.
     */
    private void inject(int line, TcpSpec spec, IpSpec ipSpec) {
        ensureStack();
        if (flow.phase == Flow.Phase.LISTENING) {
            // As packetdrill: a segment reaching the listening socket under test opens a child connection.
            flow.phase = Flow.Phase.PACKET_RECEIVED;
            if (linux && passiveOpens++ > 0) {
                // Linux's packetdrill gives each such child a new ephemeral peer port
                // (handle_listen_for_script_packet), so a later connection never meets an earlier one.
                flow.remotePort = FreeBsdProfile.PEER_PORT + passiveOpens - 1;
            }
        }
        if (flow.localPort < 0) {
            throw ScriptException.unsupported(line, "inbound packet before the connection's local port is known");
        }
        boolean syn = spec.has(TcpSpec.SYN);
        if (syn && linux && (flow.phase == Flow.Phase.PACKET_RECEIVED || !flow.remoteIsnKnown())) {
            flow.learnRemoteIsn(spec.seq());
        }
        long seq = flow.remoteToLive(spec.seq(), syn);
        long ack = spec.ack() == null ? 0 : spec.ack();
        if (spec.has(TcpSpec.ACK)) {
            ack = flow.localToLive(ack, syn);
        }
        byte[] options = TcpOption.encode(liveOptions(line, spec));
        if (ipv6) {
            byte[] frame = Ipv6Wire.encode(FreeBsdProfile.PEER_MAC, FreeBsdProfile.STACK_MAC, flow.remotePort, flow.localPort, seq,
                    ack, spec.flags(), spec.window(), spec.urgent(), options, spec.payload());
            host.inject(Ipv6Wire.fragments(ipSpec.applyTo(frame, true), mtu, host.nextIpId()));
            return;
        }
        byte[] frame = WireSegment.encode(FreeBsdProfile.PEER_MAC, FreeBsdProfile.STACK_MAC, FreeBsdProfile.PEER_ADDRESS,
                FreeBsdProfile.STACK_ADDRESS, host.nextIpId(), flow.remotePort, flow.localPort, seq, ack, spec.flags(),
                spec.window(), spec.urgent(), options, spec.payload());
        if (groMss > 0 && spec.payload() > groMss) {
            host.injectGro(ipSpec.applyTo(frame, false), groMss);
            return;
        }
        host.inject(WireSegment.fragments(ipSpec.applyTo(frame, false), mtu));
    }

    /** An ICMP error from the peer quoting the connection's segment at the script's sequence number. */
    private void injectIcmp(int line, Script.Icmp icmp) {
        ensureStack();
        if (flow.localPort < 0) {
            throw ScriptException.unsupported(line, "ICMP packet before the connection's local port is known");
        }
        int[] tc = IcmpLine.typeAndCode(WordDefines.resolve(icmp, runOptions.defines(), linux), ipv6, line);
        // The MTU goes in the low 16 bits of frag-needed's second word (RFC 1191), in all 32 of packet-too-big's.
        int rest = icmp.mtu() == null ? 0 : icmp.mtu();
        long live;
        if (icmp.seq() == Script.Icmp.LAST_SENT) {
            if (flow.lastSentLiveSeq < 0) {
                throw ScriptException.unsupported(line, "ICMP line without a quoted segment before the stack sent one");
            }
            live = flow.lastSentLiveSeq;
        } else {
            live = flow.toLive(icmp.seq());
        }
        host.inject(java.util.List.of(IcmpLine.frame(tc[0], tc[1], rest, ipv6, flow.localPort, flow.remotePort, live)));
    }

    /** The options as sent live: SACK blocks and the timestamp echo mapped into the stack's numbers. */
    private List<TcpOption> liveOptions(int line, TcpSpec spec) {
        List<TcpOption> out = new ArrayList<>();
        for (TcpOption o : flow.cookies.toLive(spec.options())) {
            if (o instanceof TcpOption.Sack s) {
                List<long[]> blocks = new ArrayList<>();
                for (long[] b : s.blocks()) {
                    blocks.add(new long[] {flow.localToLive(b[0], false), flow.localToLive(b[1], false)});
                }
                out.add(new TcpOption.Sack(blocks));
            } else if (o instanceof TcpOption.Timestamp ts && spec.has(TcpSpec.ACK)) {
                Long live = flow.liveTsVal(ts.ecr());
                if (live == null) {
                    live = flow.scaledTsEcr(ts.ecr());
                }
                if (live == null) {
                    throw new ScriptFailure(line, "cannot send TS ecr " + ts.ecr() + ": the stack never sent a segment with TS val "
                            + ts.ecr() + " (packetdrill: unable to find mapping for timestamp ecr)");
                }
                out.add(new TcpOption.Timestamp(ts.val(), live));
            } else {
                out.add(o);
            }
        }
        return out;
    }

    private void expectOutbound(Script.Event e, TcpSpec spec, IpSpec ipSpec, long start, long end) {
        boolean any = e.time().kind() == EventTime.Kind.ANY;
        long deadline = any ? now + MAX_WAIT_NANOS : end + toleranceNanos;
        SentSegments.Sent c = sent.next(host, deadline);
        if (host != null) {
            now = Math.max(now, host.now());
        }
        if (c != null && linux && !script.options().containsKey("strict_segments") && linuxShell.segmentationOffload()) {
            c = sent.coalesce(c, spec.payload());
        }
        if (c == null) {
            throw new ScriptFailure(e.line(), "expected > " + spec + " by " + Micros.formatNanos(deadline)
                    + " s; the stack sent nothing for the connection" + (host != null && host.nextDeadline() == Long.MAX_VALUE
                    ? " (and has no timer pending)" : ""));
        }
        WireSegment s = c.segment();
        flow.lastSentLiveSeq = s.seq();
        // packetdrill learns the stack's ISN from its first SYN-ACK (passive) or SYN (active).
        if (flow.phase == Flow.Phase.PACKET_RECEIVED && spec.has(TcpSpec.SYN) && spec.has(TcpSpec.ACK)) {
            flow.learnIsn(spec.seqIgnored() ? 0 : spec.seq(), s.seq());
        } else if (flow.phase == Flow.Phase.CONNECTING && spec.has(TcpSpec.SYN) && !spec.has(TcpSpec.ACK)) {
            flow.localPort = s.srcPort();
            flow.forgetRemoteIsn();
            flow.learnIsn(spec.seqIgnored() ? 0 : spec.seq(), s.seq());
        }
        String actual = "> " + sent.describe(c);
        trace.add(Micros.formatNanos(c.nanos()) + " line " + e.line() + ": " + actual.substring(0, actual.lastIndexOf(" at ")));
        String diff = SegmentCheck.firstDifference(spec, s, flow, runOptions.lenientOptionLayout());
        if (diff == null) {
            diff = ipSpec.difference(s, ipv6);
        }
        if (diff != null) {
            throw new ScriptFailure(e.line(), diff + "\n  script: > " + spec + "\n  actual: " + actual + sent.describeQueued());
        }
        if (!any && (c.nanos() < start - toleranceNanos || c.nanos() > end + toleranceNanos)) {
            String expected = start == end ? "at " + Micros.formatNanos(start) + " s"
                    : "in " + Micros.formatNanos(start) + "~" + Micros.formatNanos(end) + " s";
            throw new ScriptFailure(e.line(), "timing error: expected the packet " + expected + " (tolerance "
                    + toleranceNanos / 1000 + " us) but it was sent at " + Micros.formatNanos(c.nanos()) + " s"
                    + "\n  script: > " + spec + "\n  actual: " + actual);
        }
        now = Math.max(now, c.nanos());
    }

    // ------------------------------------------------------------------ system calls, commands, code

    private void syscall(int line, Script.Syscall s) throws java.io.IOException {
        Syscalls.Call call = syscalls.prepare(s, line);
        Syscalls.Result r = call.attempt().attempt();
        settle();
        if (r == null) {
            if (call.dontWait() || call.socket() != null && call.socket().nonBlocking) {
                r = Syscalls.Result.error("EAGAIN");
            } else {
                long limit = Math.min(now + MAX_WAIT_NANOS, call.deadlineNanos());
                while (r == null) {
                    boolean stepped = host != null && host.step(limit);
                    if (!stepped && call.deadlineNanos() != Long.MAX_VALUE && now < call.deadlineNanos()) {
                        // Nothing happens before the call's own timeout: it ends then.
                        advanceTo(call.deadlineNanos());
                        r = call.attempt().attempt();
                        settle();
                        continue;
                    }
                    if (!stepped) {
                        throw new ScriptFailure(line, s.name() + "() on a blocking socket never completes: the stack has "
                                + (host != null && host.nextDeadline() != Long.MAX_VALUE ? "no event within "
                                + MAX_WAIT_NANOS / 1_000_000_000L + " s" : "nothing pending") + " that could finish it");
                    }
                    now = host.now();
                    r = call.attempt().attempt();
                    settle();
                }
                trace.add(Micros.formatNanos(now) + " line " + line + ": " + s.name() + "() returned after blocking");
            }
        }
        checkResult(line, s, r);
    }

    private void settle() {
        if (host != null) {
            host.settle();
            now = host.now();
        }
    }

    private static void checkResult(int line, Script.Syscall s, Syscalls.Result r) {
        if (s.result() instanceof Expr.Ellipsis) {
            return;
        }
        long want = Syscalls.eval(s.result(), line);
        boolean valueOk = r.value() == want;
        boolean errnoOk = want != -1 || s.errno() == null || (r.errno() != null && Errno.same(s.errno(), r.errno()));
        if (!valueOk || !errnoOk) {
            throw new ScriptFailure(line, s.name() + "() returned " + r + ", expected " + s.result()
                    + (s.errno() == null ? "" : " " + s.errno()));
        }
    }

    private void command(int line, String text) {
        if (linux) {
            linuxShell.run(text, line, host != null);
            return;
        }
        Sysctls.Outcome sysctl = ShellCommand.sysctl(text, config, host != null);
        if (sysctl != null) {
            notes.add("line " + line + ": " + sysctl.note());
            if (!sysctl.supported()) {
                throw ScriptException.unsupported(line, sysctl.note());
            }
            return;
        }
        ShellCommand.Outcome o = ShellCommand.run(text, line, host == null ? null : host.stack(), syscalls);
        if (o.note() != null) {
            notes.add(o.note());
        }
        if (o.failure() != null) {
            throw new ScriptFailure(line, o.failure());
        }
    }

    /**
     * The FreeBSD suite's code blocks: only {@code assert tcpi_state == TCPI_<STATE>} of
     * packetdrill's Python is understood, checked at once on the socket the last connect() or
     * accept() gave. Linux's scripts: the assert forms of {@link PythonAsserts} on that socket.
     */
    private void code(int line, String text) {
        if (linux) {
            DrillSocket so = syscalls.current();
            python.run(text, line, so == null || so.connection == null ? null : so.connection.tcpInfo(),
                    so != null && so.connection != null && so.connection.tcb().fastOpenSynData(),
                    so == null || so.connection == null ? null : so.connection.chronoStats());
            return;
        }
        var m = java.util.regex.Pattern.compile("assert\\s+tcpi_state\\s*==\\s*TCPI_(\\w+)").matcher(text.strip());
        var options = java.util.regex.Pattern.compile("assert\\s+tcpi_options\\s*==\\s*(.+)").matcher(text.strip());
        if (options.matches()) {
            TcpInfoOptions.check(line, syscalls.current(), options.group(1));
            return;
        }
        if (!m.matches()) {
            throw ScriptException.unsupported(line, "code block %{ " + text + " }%");
        }
        DrillSocket so = syscalls.current();
        if (so == null) {
            throw ScriptException.unsupported(line, "tcpi_state without a socket");
        }
        // A socket never connected is CLOSED, a listening one LISTEN (FreeBSD's and Linux's tcpi_state).
        TcpState state = so.state();
        String want = m.group(1).equals("SYN_RECV") ? "SYN_RECEIVED" : m.group(1);
        if (!state.name().equals(want)) {
            throw new ScriptFailure(line, "tcpi_state: expected TCPI_" + m.group(1) + " got " + state);
        }
    }

    // ------------------------------------------------------------------ end

    /**
     * Every segment up to the last {@code >} line was compared with one; what the stack sent after
     * it is unscripted and, as in packetdrill, not checked, only noted.
     */
    private void finish(int lastLine) throws java.io.IOException {
        if (pending != null) {
            // The script ended while the call blocks: it must still return by its end time.
            advanceTo(pending.end() + toleranceNanos);
            pollPending();
            if (pending != null) {
                throw new ScriptFailure(pending.line(), pending.syscall().name() + "() still blocks at "
                        + Micros.formatNanos(now) + " s; expected it to return at " + Micros.formatNanos(pending.end()) + " s");
            }
        }
        for (SentSegments.Sent c : sent.unmatched()) {
            notes.add("not checked (after the last > line): the stack sent > " + sent.describe(c) + ", while running line "
                    + script.events().get(c.eventIndex()).line());
        }
        if (host != null) {
            long errors = host.stack().statistics().get(Stat.RX_INTERNAL_ERRORS);
            if (errors > 0) {
                throw new ScriptFailure(lastLine, "the stack counted " + errors + " internal error(s) (RX_INTERNAL_ERRORS)");
            }
        }
    }
}
