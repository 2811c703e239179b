package io.tapwire.apps.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * How {@code tapwire bench idle} spreads N connections over Linux client processes: the
 * connections are shared out evenly over the source addresses (10.0.0.10 upwards), each address's
 * share over as few processes as keep each at or under the per-process limit (one process may hold
 * at most 20,000 open files here), and each process gets its own block of source ports from
 * {@value #FIRST_PORT} on, so no two sockets of an address ask for the same port and the kernel
 * never searches for one.
 *
 * @param connections N, the connections to hold
 * @param addresses the source addresses used
 * @param holders one entry per client process
 */
record IdlePlan(int connections, List<String> addresses, List<Holder> holders) {
    /** Source addresses start at 10.0.0.{@value #FIRST_HOST} and may go up to 10.0.0.{@value #LAST_HOST}. */
    static final int FIRST_HOST = 10;
    static final int LAST_HOST = 250;
    static final int MAX_ADDRESSES = LAST_HOST - FIRST_HOST + 1;
    /** Default connections per source address (so 1,000,000 take 40 addresses). */
    static final int PER_ADDRESS = 25_000;
    /** Source ports used per address: 1024-65535 (the range the client namespace gets as well). */
    static final int FIRST_PORT = 1024;
    static final int LAST_PORT = 65_535;
    static final int PORTS_PER_ADDRESS = LAST_PORT - FIRST_PORT + 1;
    /** Open files a holder may use: 20,000 is the hard limit here, less stdin/stdout/stderr and the epoll fd. */
    static final int MAX_PER_PROCESS = 19_000;

    /** One client process: {@code count} connections from {@code address}, ports {@code firstPort} upwards. */
    record Holder(String address, int firstPort, int count) {
    }

    /** The default number of addresses for N connections: ceil(N / 25,000), at least one. */
    static int defaultAddresses(int connections) {
        return Math.max(1, (connections + PER_ADDRESS - 1) / PER_ADDRESS);
    }

    /**
     * The plan for {@code connections} over {@code addresses} source addresses with at most
     * {@code perProcess} connections per process.
     *
     * @throws IllegalArgumentException with what to change, when the numbers do not fit
     */
    static IdlePlan of(int connections, int addresses, int perProcess) {
        if (connections < 1) {
            throw new IllegalArgumentException("--connections must be at least 1");
        }
        if (addresses < 1 || addresses > MAX_ADDRESSES) {
            throw new IllegalArgumentException("--addresses must be 1.." + MAX_ADDRESSES + " (10.0.0." + FIRST_HOST + " to 10.0.0." + LAST_HOST + ")");
        }
        if (addresses > connections) {
            throw new IllegalArgumentException("--addresses (" + addresses + ") is more than --connections (" + connections + ")");
        }
        if (perProcess < 1 || perProcess > MAX_PER_PROCESS) {
            throw new IllegalArgumentException("--per-process must be 1.." + MAX_PER_PROCESS
                    + " (a process may hold at most 20,000 open files on this machine)");
        }
        int share = (connections + addresses - 1) / addresses;
        if (share > PORTS_PER_ADDRESS) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "%d connections over %d addresses is %d per address, more than the %d source ports %d-%d; use --addresses %d or more",
                    connections, addresses, share, PORTS_PER_ADDRESS, FIRST_PORT, LAST_PORT,
                    (connections + PORTS_PER_ADDRESS - 1) / PORTS_PER_ADDRESS));
        }
        List<String> addrs = new ArrayList<>();
        List<Holder> holders = new ArrayList<>();
        for (int a = 0; a < addresses; a++) {
            String address = "10.0.0." + (FIRST_HOST + a);
            addrs.add(address);
            // Even shares: the first (connections % addresses) addresses take one more.
            int mine = connections / addresses + (a < connections % addresses ? 1 : 0);
            int processes = (mine + perProcess - 1) / perProcess;
            int port = FIRST_PORT;
            for (int p = 0; p < processes; p++) {
                int count = mine / processes + (p < mine % processes ? 1 : 0);
                holders.add(new Holder(address, port, count));
                port += count;
            }
        }
        return new IdlePlan(connections, List.copyOf(addrs), List.copyOf(holders));
    }

    /**
     * Handshakes each process keeps in flight so that all together keep about {@code total}
     * (at least one each): the server's SYN queue and the TAP's queue see a bounded burst however
     * many processes there are.
     */
    int inflightPerProcess(int total) {
        return Math.max(1, total / holders.size());
    }

    /** Connections sampled for the echo check in holder {@code i}, so that all together sample about {@code total}. */
    int samplePerProcess(int total) {
        return Math.max(total > 0 ? 1 : 0, total / holders.size());
    }

    /** The largest number of connections one process holds. */
    int largestHolder() {
        int m = 0;
        for (Holder h : holders) {
            m = Math.max(m, h.count());
        }
        return m;
    }
}
