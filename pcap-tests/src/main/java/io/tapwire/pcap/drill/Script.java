package io.tapwire.pcap.drill;

import java.util.List;
import java.util.Map;

/**
 * A parsed packetdrill script: its {@code --name=value} options and its events in order.
 *
 * @param name    how reports name the script (a path relative to the suite, or the file name)
 * @param options option lines, name without the dashes to value (null for a bare {@code --flag})
 */
public record Script(String name, Map<String, String> options, List<Event> events) {

    /** One line of the script: when, and what. */
    public record Event(int line, EventTime time, Action action) {
        @Override
        public String toString() {
            return line + ": " + time + " " + action;
        }
    }

    /** What an event does. */
    public sealed interface Action {
    }

    /** {@code <} a segment the peer sends (injected), {@code >} a segment the stack must send. */
    public record Packet(boolean inbound, TcpSpec tcp, IpSpec ip) implements Action {
        /** A packet line without IP header details. */
        public Packet(boolean inbound, TcpSpec tcp) {
            this(inbound, tcp, IpSpec.NONE);
        }

        @Override
        public String toString() {
            return (inbound ? "< " : "> ") + ip + tcp;
        }
    }

    /**
     * A system call and its expected result: {@code name(args) = result [ERRNO] [(note)]}.
     *
     * @param errno the expected errno name when the result is -1, else null
     */
    public record Syscall(String name, List<Expr> args, Expr result, String errno) implements Action {
        @Override
        public String toString() {
            return name + args.stream().map(Object::toString).collect(java.util.stream.Collectors.joining(", ", "(", ")"))
                    + " = " + result + (errno == null ? "" : " " + errno);
        }
    }

    /**
     * {@code < [seq:end(len)] icmp TYPE [CODE] [mtu N]}: an ICMP error from the peer quoting a
     * segment of the connection under test with sequence number {@code seq} (script space).
     */
    public record Icmp(String type, String code, long seq, Integer mtu) implements Action {
        /** {@code seq} of a line without a quoted segment: the last segment the stack sent is quoted. */
        public static final long LAST_SENT = -1;

        @Override
        public String toString() {
            return "< [" + seq + ":" + seq + "(0)] icmp " + type + (code == null ? "" : " " + code) + (mtu == null ? "" : " mtu " + mtu);
        }
    }

    /** A backquoted shell line. */
    public record Command(String text) implements Action {
        @Override
        public String toString() {
            return "`" + text + "`";
        }
    }

    /** A {@code %{ ... }%} code block (Python in packetdrill). */
    public record Code(String text) implements Action {
        @Override
        public String toString() {
            return "%{ " + text + " }%";
        }
    }
}
