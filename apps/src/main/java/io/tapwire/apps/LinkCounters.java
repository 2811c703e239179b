package io.tapwire.apps;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's counters of one interface as {@code ip -j -s link show dev <name>} prints them
 * (struct rtnl_link_stats64), and of its root qdisc as {@code tc -s qdisc show dev <name>} does.
 * Seen from Linux: on the sandbox's TAP, TX is what Linux sent toward the stack (packets: frames
 * the stack's driver read; dropped: frames the TAP's queue had no room for) and RX what the stack
 * sent Linux.
 *
 * @param txPackets frames Linux handed to the TAP's reader (the stack)
 * @param txDropped frames dropped because the TAP's queue toward the stack was full
 * @param rxPackets frames the stack wrote to the TAP
 * @param rxDropped frames from the stack the kernel dropped on receive
 * @param qdiscSent frames the root qdisc passed to the TAP
 * @param qdiscDropped frames the root qdisc dropped (its queue, {@code txqueuelen}, was full)
 */
public record LinkCounters(long txPackets, long txDropped, long rxPackets, long rxDropped, long qdiscSent, long qdiscDropped) {
    private static final Pattern TX = Pattern.compile("\"tx\":\\{\"bytes\":\\d+,\"packets\":(\\d+),\"errors\":\\d+,\"dropped\":(\\d+)");
    private static final Pattern RX = Pattern.compile("\"rx\":\\{\"bytes\":\\d+,\"packets\":(\\d+),\"errors\":\\d+,\"dropped\":(\\d+)");
    private static final Pattern QDISC = Pattern.compile("Sent \\d+ bytes (\\d+) pkt \\(dropped (\\d+),");

    /** Parses the output of {@code ip -j -s link show dev X} and {@code tc -s qdisc show dev X}. */
    public static LinkCounters parse(String ipJson, String tcOutput) {
        Matcher tx = TX.matcher(ipJson);
        Matcher rx = RX.matcher(ipJson);
        if (!tx.find() || !rx.find()) {
            throw new IllegalArgumentException("no stats64 in ip -j -s link output:\n" + ipJson);
        }
        long qSent = 0;
        long qDropped = 0;
        Matcher q = QDISC.matcher(tcOutput);
        if (q.find()) {
            qSent = Long.parseLong(q.group(1));
            qDropped = Long.parseLong(q.group(2));
        }
        return new LinkCounters(Long.parseLong(tx.group(1)), Long.parseLong(tx.group(2)), Long.parseLong(rx.group(1)),
                Long.parseLong(rx.group(2)), qSent, qDropped);
    }

    /** Reads the counters of {@code dev} in the sandbox's namespace. */
    public static LinkCounters read(Sandbox sandbox, String dev) {
        String ip = sandbox.exec("ip", "-j", "-s", "link", "show", "dev", dev).stdout();
        String tc = sandbox.exec("tc", "-s", "qdisc", "show", "dev", dev).stdout();
        return parse(ip, tc);
    }

    /** These counters minus {@code before}'s. */
    public LinkCounters minus(LinkCounters before) {
        return new LinkCounters(txPackets - before.txPackets, txDropped - before.txDropped, rxPackets - before.rxPackets,
                rxDropped - before.rxDropped, qdiscSent - before.qdiscSent, qdiscDropped - before.qdiscDropped);
    }
}
