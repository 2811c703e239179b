package io.tapwire.event;

/**
 * Readiness bits with Linux's epoll values ({@code <sys/epoll.h>}), so a reader who knows epoll
 * knows them: what a socket is ready for ({@link #IN}, {@link #OUT}, {@link #ERR}, {@link #HUP},
 * {@link #RDHUP}) and how a registration reports it ({@link #ET}, {@link #ONESHOT},
 * {@link #EXCLUSIVE}).
 */
public final class Events {
    /** Data to read, a connection to accept, or end of stream (EPOLLIN). */
    public static final int IN = 0x001;
    /** Room to write (EPOLLOUT). */
    public static final int OUT = 0x004;
    /** An error is pending (EPOLLERR); always reported, whether asked for or not. */
    public static final int ERR = 0x008;
    /** Both directions are shut, or the connection is closed or reset (EPOLLHUP); always reported. */
    public static final int HUP = 0x010;
    /** The peer shut its sending side: its FIN arrived (EPOLLRDHUP). */
    public static final int RDHUP = 0x2000;
    /** Wake only one of the exclusive registrations on a socket (EPOLLEXCLUSIVE). */
    public static final int EXCLUSIVE = 1 << 28;
    /** Report once, then disable the registration until it is modified again (EPOLLONESHOT). */
    public static final int ONESHOT = 1 << 30;
    /** Edge-triggered: report on each new arrival, not while the condition lasts (EPOLLET). */
    public static final int ET = 1 << 31;

    /** The readiness bits (as opposed to the mode flags). */
    public static final int READINESS = IN | OUT | ERR | HUP | RDHUP;
    /** Bits reported even when not asked for, as epoll does. */
    public static final int ALWAYS = ERR | HUP;
    /** Every readiness change: a state change wakes every kind of watcher. */
    public static final int ANY = READINESS;

    private Events() { }

    /** {@code IN|OUT|RDHUP}-style text, for logs and test messages. */
    public static String toString(int events) {
        StringBuilder sb = new StringBuilder();
        append(sb, events, IN, "IN");
        append(sb, events, OUT, "OUT");
        append(sb, events, ERR, "ERR");
        append(sb, events, HUP, "HUP");
        append(sb, events, RDHUP, "RDHUP");
        append(sb, events, EXCLUSIVE, "EXCLUSIVE");
        append(sb, events, ONESHOT, "ONESHOT");
        append(sb, events, ET, "ET");
        return sb.length() == 0 ? "0" : sb.toString();
    }

    private static void append(StringBuilder sb, int events, int bit, String name) {
        if ((events & bit) != 0) {
            if (sb.length() > 0) {
                sb.append('|');
            }
            sb.append(name);
        }
    }
}
