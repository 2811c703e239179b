package io.tapwire.apps.iperf;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.StackRunner;
import io.tapwire.tap.TapDevice;
import io.tapwire.time.Clock;
import io.tapwire.wire.Ipv4Address;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tapwire iperf3 -c ADDR}: a stack on a TAP runs one iperf3 test as the client against a
 * stock {@code iperf3 -s} (the server side is part of {@code tapwire up}, port 5201). The flags
 * are iperf3's: {@code -p -t -n -k -P -R --bidir -l -u -b -J}.
 */
@Command(name = "iperf3",
        mixinStandardHelpOptions = true,
        description = {
            "Run an iperf3 test from a tapwire stack against a stock 'iperf3 -s' (the stack's own iperf3 server runs in "
                    + "'tapwire up', port 5201).",
            "Sizes take K, M, G (x1024); rates take K, M, G (x1000), as iperf3 reads them."
        })
public final class IperfCommand implements Callable<Integer> {
    @Option(names = {"-c", "--client"}, required = true, paramLabel = "HOST",
            description = "The iperf3 server's IPv4 address, or its IPv6 address (with --addr6).")
    String host;

    @Option(names = {"-p", "--port"}, defaultValue = "5201", description = "Server port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = {"-t", "--time"}, defaultValue = "10", description = "Seconds to transmit (default: ${DEFAULT-VALUE}).")
    long time;

    @Option(names = {"-n", "--bytes"}, paramLabel = "N[KMG]", description = "Bytes to transmit (instead of -t).")
    String bytes;

    @Option(names = {"-k", "--blockcount"}, paramLabel = "N[KMG]", description = "Blocks to transmit (instead of -t or -n).")
    String blocks;

    @Option(names = {"-P", "--parallel"}, defaultValue = "1", description = "Parallel streams (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = {"-R", "--reverse"}, description = "The server sends, the client receives.")
    boolean reverse;

    @Option(names = "--bidir", description = "Both directions at once.")
    boolean bidir;

    @Option(names = {"-l", "--length"}, paramLabel = "N[KMG]", description = "Bytes per write (TCP, default 128K) or per datagram (UDP, default 1460).")
    String length;

    @Option(names = {"-u", "--udp"}, description = "UDP instead of TCP.")
    boolean udp;

    @Option(names = {"-b", "--bitrate"}, paramLabel = "N[KMG]", description = "Target bit/s per stream (UDP default 1M; TCP unlimited).")
    String bitrate;

    @Option(names = {"-J", "--json"}, description = "Print the report as JSON, in iperf3's -J shape.")
    boolean json;

    @Option(names = "--tap", defaultValue = "tap0", description = "TAP interface (default: ${DEFAULT-VALUE}).")
    String tap;

    @Option(names = "--netns", paramLabel = "NAME", description = "Open the TAP inside this network namespace.")
    String netns;

    @Option(names = "--addr", defaultValue = "10.0.0.2/24", description = "The stack's address (default: ${DEFAULT-VALUE}).")
    String addr;

    @Option(names = "--addr6", paramLabel = "ADDR/LEN",
            description = "The stack's IPv6 address and prefix length, e.g. fd00::2/64, for an IPv6 server (default: none).")
    String addr6;

    @Option(names = "--mtu", defaultValue = "1500", description = "IP MTU (default: ${DEFAULT-VALUE}).")
    int mtu;

    /** How long the stack's IPv6 address may take through duplicate address detection (RFC 4862: about 1 to 2 s). */
    private static final int DAD_TIMEOUT_SECONDS = 5;

    /**
     * Waits until the stack's IPv6 addresses passed duplicate address detection (RFC 4862 5.4):
     * before that the address is tentative and no source for a connection, as on Linux, where
     * connect(2) from a tentative address fails. False when the bound passed first.
     */
    private static boolean awaitIpv6Address(Stack stack) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(DAD_TIMEOUT_SECONDS);
        while (!stack.ipv6Addresses().settled()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    @Override
    public Integer call() throws Exception {
        long n;
        long k;
        int len;
        long rate;
        io.tapwire.wire.Ipv6Address server6 = null;
        StackConfig config = new StackConfig();
        try {
            n = bytes == null ? 0 : size(bytes);
            k = blocks == null ? 0 : size(blocks);
            len = length == null ? 0 : (int) size(length);
            rate = bitrate == null ? 0 : rate(bitrate);
            String[] parts = addr.split("/", 2);
            config.address = Ipv4Address.parse(parts[0]);
            if (parts.length == 2) {
                config.prefixLength = Integer.parseInt(parts[1]);
            }
            io.tapwire.apps.StackTapOptions.applyAddr6(addr6, config);
            config.validate();
            if (host.contains(":")) {
                server6 = io.tapwire.wire.Ipv6Address.parse(host);
                if (addr6 == null) {
                    throw new IllegalArgumentException("-c " + host + ": an IPv6 server needs the stack's IPv6 address: --addr6 ADDR/LEN");
                }
            } else {
                Ipv4Address.parse(host);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("tapwire iperf3: " + e.getMessage());
            return 2;
        }
        TapDevice device = netns == null ? TapDevice.open(tap, mtu, 256) : TapDevice.openInNetns(netns, tap, mtu, 256);
        Stack stack = new Stack(device, config);
        try (StackRunner runner = new StackRunner(stack, device, Clock.SYSTEM).start()) {
            if (server6 != null && !awaitIpv6Address(stack)) {
                System.err.println("tapwire iperf3: the stack's IPv6 address did not pass duplicate address detection within "
                        + DAD_TIMEOUT_SECONDS + " s");
                return 1;
            }
            IperfClient client = server6 != null
                    ? new IperfClient(stack, server6, port, udp, reverse, bidir, parallel, time, n, k, len, rate)
                    : new IperfClient(stack, Ipv4Address.parse(host), port, udp, reverse, bidir, parallel, time, n, k, len, rate);
            IperfReport report = client.run();
            System.out.println(json ? Json.write(report.json()) : report.text());
            return 0;
        } catch (java.io.IOException e) {
            System.err.println("tapwire iperf3: " + e.getMessage());
            return 1;
        } finally {
            device.close();
        }
    }

    /** iperf3's unit_atoi: K, M, G as powers of 1024. */
    static long size(String s) {
        return scaled(s, 1024);
    }

    /** iperf3's unit_atof_rate: K, M, G as powers of 1000. */
    static long rate(String s) {
        return scaled(s, 1000);
    }

    private static long scaled(String s, long base) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long mult = 1;
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        switch (last) {
            case 'K' -> mult = base;
            case 'M' -> mult = base * base;
            case 'G' -> mult = base * base * base;
            case 'T' -> mult = base * base * base * base;
            default -> { }
        }
        if (mult != 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            return (long) (Double.parseDouble(t) * mult);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number with an optional K/M/G: '" + s + "'");
        }
    }
}
