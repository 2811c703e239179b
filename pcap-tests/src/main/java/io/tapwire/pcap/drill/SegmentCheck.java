package io.tapwire.pcap.drill;

import java.util.Arrays;

/**
 * Compares a segment the stack sent with the one the script expects, field by field in script
 * space, the checks packetdrill makes: flags (all eight bits, PSH included), sequence number
 * (unless {@code ...}), acknowledgment field, window (unless not given), options bytewise (unless
 * {@code <...>}; a differing TSval is accepted and remembered, as packetdrill does), payload
 * length and content (zeros, as the interpreter writes them), urgent pointer, reserved bits, no IP
 * options, and valid IP and TCP checksums. Timing is checked by the {@link Interpreter}.
 */
final class SegmentCheck {
    private SegmentCheck() {
    }

    /** The first difference as {@code field: expected X got Y}, or null when the segment matches. */
    static String firstDifference(TcpSpec spec, WireSegment actual, Flow flow, boolean lenientOptionLayout) {
        if (!actual.ipChecksumOk()) {
            return "bad IPv4 header checksum";
        }
        if (!actual.tcpChecksumOk()) {
            return "bad TCP checksum";
        }
        if (actual.ipHeaderLength() != 20) {
            return "ip header length: expected 20 got " + actual.ipHeaderLength() + " (IP options)";
        }
        if (actual.flags() != spec.flags()) {
            return "flags: expected " + TcpSpec.formatFlags(spec.flags()) + " got " + TcpSpec.formatFlags(actual.flags());
        }
        boolean syn = actual.has(TcpSpec.SYN);
        long seq = flow.localToScript(actual.seq(), syn);
        if (!spec.seqIgnored() && seq != spec.seq()) {
            return "seq: expected " + spec.seq() + " got " + seq;
        }
        long wantAck = spec.ack() == null ? 0 : spec.ack();
        long ack = actual.has(TcpSpec.ACK) ? flow.remoteToScript(actual.ack(), syn) : actual.ack();
        if (ack != wantAck) {
            return "ack: expected " + wantAck + " got " + ack;
        }
        if (spec.window() != null && actual.window() != spec.window()) {
            return "window: expected " + spec.window() + " got " + actual.window();
        }
        if (spec.options() != null) {
            String d = lenientOptionLayout ? optionSet(spec, actual, flow) : options(spec, actual, flow);
            if (d != null) {
                return d;
            }
        }
        if (actual.payload().length != spec.payload()) {
            return "payload length: expected " + spec.payload() + " got " + actual.payload().length;
        }
        for (byte b : actual.payload()) {
            if (b != 0) {
                return "payload: expected the zero bytes the script wrote";
            }
        }
        if (actual.urgent() != spec.urgent()) {
            return "urgent pointer: expected " + spec.urgent() + " got " + actual.urgent();
        }
        if (actual.reserved() != 0) {
            return "reserved bits: expected 0 got " + actual.reserved();
        }
        return null;
    }

    private static String options(TcpSpec spec, WireSegment actual, Flow flow) {
        byte[] want = TcpOption.encode(spec.options());
        byte[] got = flow.cookies.toScript(scriptSackBlocks(actual.options(), flow));
        int wantTs = tsValOffset(want);
        int gotTs = tsValOffset(got);
        long liveTsVal = -1;
        long scriptTsVal = -1;
        if (wantTs >= 0 && gotTs >= 0) {
            // packetdrill accepts any TSval (the clocks differ) and maps the script's value to it.
            liveTsVal = WireSegment.u32(got, gotTs);
            scriptTsVal = WireSegment.u32(want, wantTs);
            got = got.clone();
            System.arraycopy(want, wantTs, got, gotTs, 4);
        }
        if (!Arrays.equals(want, got)) {
            return "tcp options: expected " + TcpOption.format(spec.options()) + " got "
                    + TcpOption.format(TcpOption.decode(actual.options()));
        }
        if (liveTsVal >= 0) {
            String ts = flow.checkTsVal(scriptTsVal, liveTsVal);
            if (ts != null) {
                return ts;
            }
            flow.rememberTsVal(scriptTsVal, liveTsVal);
        }
        return null;
    }

    /**
     * The diagnostic comparison: the same options in any order, padding ignored, with the same
     * values except the window-scale shift (a local choice: FreeBSD derives it from
     * kern.ipc.maxsockbuf, tapwire from the socket's buffer) and TSval (a clock).
     */
    private static String optionSet(TcpSpec spec, WireSegment actual, Flow flow) {
        java.util.List<String> want = normalized(spec.options());
        java.util.List<String> got = normalized(TcpOption.decode(flow.cookies.toScript(actual.options())));
        if (!want.equals(got)) {
            return "tcp options (as a set): expected " + TcpOption.format(spec.options()) + " got "
                    + TcpOption.format(TcpOption.decode(actual.options()));
        }
        for (TcpOption w : spec.options()) {
            for (TcpOption g : TcpOption.decode(actual.options())) {
                if (w instanceof TcpOption.Timestamp ws && g instanceof TcpOption.Timestamp gs) {
                    flow.rememberTsVal(ws.val(), gs.val());
                }
            }
        }
        return null;
    }

    private static java.util.List<String> normalized(java.util.List<TcpOption> options) {
        return options.stream()
                .filter(o -> !(o instanceof TcpOption.Nop) && !(o instanceof TcpOption.Eol))
                .map(o -> o instanceof TcpOption.Timestamp ts ? "TS ecr " + ts.ecr() : o instanceof TcpOption.WindowScale ? "wscale" : o.toString())
                .sorted()
                .toList();
    }

    /** The options with their SACK blocks (edges of the peer's data) in script numbers, when those differ from live ones. */
    private static byte[] scriptSackBlocks(byte[] options, Flow flow) {
        if (flow.remoteToScript(1, false) == 1) {
            return options;
        }
        java.util.List<TcpOption> decoded = TcpOption.decode(options);
        java.util.List<TcpOption> out = new java.util.ArrayList<>();
        boolean changed = false;
        for (TcpOption o : decoded) {
            if (o instanceof TcpOption.Sack sack) {
                java.util.List<long[]> blocks = new java.util.ArrayList<>();
                for (long[] b : sack.blocks()) {
                    blocks.add(new long[] {flow.remoteToScript(b[0], false), flow.remoteToScript(b[1], false)});
                }
                out.add(new TcpOption.Sack(blocks));
                changed = true;
            } else {
                out.add(o);
            }
        }
        return changed ? TcpOption.encode(out) : options;
    }

    /** Offset of the TSval field in an option list, or -1. */
    static int tsValOffset(byte[] b) {
        int i = 0;
        while (i < b.length) {
            int kind = b[i] & 0xFF;
            if (kind == TcpOption.KIND_EOL || kind == TcpOption.KIND_NOP) {
                i++;
                continue;
            }
            if (i + 1 >= b.length) {
                return -1;
            }
            int len = b[i + 1] & 0xFF;
            if (len < 2) {
                return -1;
            }
            if (kind == TcpOption.KIND_TIMESTAMP && len == 10 && i + 10 <= b.length) {
                return i + 2;
            }
            i += len;
        }
        return -1;
    }
}
