package io.tapwire.pcap.drill;

import io.tapwire.tcp.ZerocopyCompletion;

import java.util.List;

/**
 * Linux's MSG_ZEROCOPY completions in the scripts: a {@code recvmsg(fd, {..., msg_control=[{cmsg_level=
 * CMSG_LEVEL_IP, cmsg_type=CMSG_TYPE_RECVERR, cmsg_data={ee_errno=0, ee_origin=SO_EE_ORIGIN_ZEROCOPY,
 * ee_type=0, ee_code=SO_EE_CODE_ZEROCOPY_COPIED, ee_info=LO, ee_data=HI}}]}, MSG_ERRQUEUE)} that
 * takes a completion from the error queue ({@link TimestampingCalls#recvmsg}, which reads the queue
 * in order) has each field checked here; an empty queue is EAGAIN (MSG_ERRQUEUE never blocks),
 * which a script writes with {@code msg_control=[]}.
 */
final class ZerocopyCalls {
    /** Linux's MSG_ERRQUEUE. */
    static final long MSG_ERRQUEUE = 0x2000;
    /** SO_EE_ORIGIN_ZEROCOPY and SO_EE_CODE_ZEROCOPY_COPIED (linux/errqueue.h). */
    static final long ORIGIN_ZEROCOPY = 5;
    static final long CODE_COPIED = 1;

    private ZerocopyCalls() {
    }

    /** Checks a zerocopy completion against the one control message expected (null: none was). */
    static void check(Expr.Struct cmsg, ZerocopyCompletion z, int line) {
        if (cmsg == null) {
            throw new ScriptFailure(line, "recvmsg(MSG_ERRQUEUE): expected no control message, got a zerocopy completion "
                    + Integer.toUnsignedString(z.lo()) + ".." + Integer.toUnsignedString(z.hi()));
        }
        for (Expr.Field f : cmsg.fields()) {
            switch (f.name()) {
                case "cmsg_level" -> expectName(f, List.of("CMSG_LEVEL_IP", "SOL_IP", "CMSG_LEVEL_IPV6", "SOL_IPV6"), line);
                case "cmsg_type" -> expectName(f, List.of("CMSG_TYPE_RECVERR", "IP_RECVERR", "IPV6_RECVERR"), line);
                case "cmsg_data" -> {
                    if (!(f.value() instanceof Expr.Struct ee)) {
                        throw ScriptException.syntax(line, "cmsg_data of a RECVERR message is a struct sock_extended_err");
                    }
                    for (Expr.Field e : ee.fields()) {
                        long actual = switch (e.name()) {
                            case "ee_errno", "ee_type" -> 0;
                            case "ee_origin" -> ORIGIN_ZEROCOPY;
                            case "ee_code" -> z.copied() ? CODE_COPIED : 0;
                            case "ee_info" -> z.lo() & 0xFFFF_FFFFL;
                            case "ee_data" -> z.hi() & 0xFFFF_FFFFL;
                            default -> throw ScriptException.unsupported(line, "sock_extended_err field " + e.name());
                        };
                        long expected = value(e.value(), line);
                        if (expected != actual) {
                            throw new ScriptFailure(line, "recvmsg(MSG_ERRQUEUE): " + e.name() + " expected " + expected + " got " + actual);
                        }
                    }
                }
                default -> throw ScriptException.unsupported(line, "control message field " + f.name());
            }
        }
    }

    private static long value(Expr e, int line) {
        if (e instanceof Expr.Symbol sym) {
            switch (sym.name()) {
                case "SO_EE_ORIGIN_ZEROCOPY" -> { return ORIGIN_ZEROCOPY; }
                case "SO_EE_CODE_ZEROCOPY_COPIED" -> { return CODE_COPIED; }
                default -> { }
            }
        }
        return Syscalls.eval(e, line);
    }

    private static void expectName(Expr.Field f, List<String> names, int line) {
        if (!(f.value() instanceof Expr.Symbol sym) || !names.contains(sym.name())) {
            throw ScriptException.unsupported(line, f.name() + " " + f.value() + " (only the IP RECVERR error queue is modelled)");
        }
    }
}
