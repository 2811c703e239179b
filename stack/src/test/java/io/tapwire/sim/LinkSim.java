package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.link.FaultyLink;
import io.tapwire.link.LinkProfile;
import io.tapwire.link.VirtualDevice;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpInfo;
import io.tapwire.tcp.TcpState;
import io.tapwire.time.VirtualClock;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Two stacks joined by a {@link FaultyLink} on virtual time: the harness for TCP experiments
 * (goodput, loss recovery, integrity) of the simulation tier. Host A is 10.0.0.1, host B 10.0.0.2.
 * Everything is deterministic: the link's seed, the stacks' seeds and ISN secrets are fixed, so a
 * run repeats to the nanosecond.
 *
 * <p>Time moves from event to event: at each instant both stacks poll and the link carries frames
 * until nothing moves, the application steps ({@link #bulkTransfer} writes and reads as much as it
 * can), then the clock jumps to the earliest deadline of the stacks and the link.
 */
final class LinkSim {
    static final long MS = 1_000_000L;
    static final long SEC = 1_000 * MS;

    final VirtualClock clock = new VirtualClock(SEC);
    final VirtualDevice devA;
    final VirtualDevice devB;
    final Stack a;
    final Stack b;
    final FaultyLink link;

    LinkSim(LinkProfile aToB, LinkProfile bToA, long seed) {
        this(aToB, bToA, seed, c -> { });
    }

    /** @param tune adjusts both stacks' configuration (e.g. {@code tcp_congestion_control}) */
    LinkSim(LinkProfile aToB, LinkProfile bToA, long seed, Consumer<StackConfig> tune) {
        // Rings large enough that a whole window arriving at one instant on an unlimited link fits.
        devA = new VirtualDevice("linkA", 1500, 1024);
        devB = new VirtualDevice("linkB", 1500, 1024);
        StackConfig ca = VirtualNet.config(VirtualNet.A_ADDR, VirtualNet.A_MAC, seed * 31 + 1);
        StackConfig cb = VirtualNet.config(VirtualNet.B_ADDR, VirtualNet.B_MAC, seed * 31 + 2);
        ca.tcpIsnSecret = seed * 7 + 1;
        cb.tcpIsnSecret = seed * 7 + 2;
        tune.accept(ca);
        tune.accept(cb);
        a = new Stack(devA, ca);
        b = new Stack(devB, cb);
        link = new FaultyLink(aToB, bToA, seed);
    }

    /** Runs everything due at the current instant until nothing moves; returns the next deadline. */
    long settle() {
        long now = clock.nanoTime();
        for (int i = 0; i < 100_000; i++) {
            int moved = link.pump(devA, devB, now);
            long next = Math.min(a.poll(now), b.poll(now));
            moved += link.pump(devA, devB, now);
            next = Math.min(next, link.nextDeadline());
            if (moved == 0 && next > now && devA.rxRing().pending() == 0 && devB.rxRing().pending() == 0) {
                return next;
            }
        }
        throw new AssertionError("simulation did not settle at " + now + ": a frame loop?");
    }

    /** Runs for {@code nanos} of virtual time. */
    void runFor(long nanos) {
        long end = clock.nanoTime() + nanos;
        while (true) {
            long next = settle();
            if (next > end) {
                clock.set(end);
                settle();
                return;
            }
            clock.set(next);
        }
    }

    /** Runs until {@code done} holds, failing after {@code maxNanos} of virtual time. */
    void runUntil(BooleanSupplier done, long maxNanos) {
        long end = clock.nanoTime() + maxNanos;
        while (!done.getAsBoolean()) {
            long next = settle();
            if (done.getAsBoolean()) {
                return;
            }
            if (next > end) {
                throw new AssertionError("condition not met within " + maxNanos / MS + " ms of virtual time");
            }
            clock.set(next);
        }
    }

    /**
     * The outcome of {@link #bulkTransfer}.
     *
     * @param bytes bytes the receiving application read
     * @param nanos virtual time from the first write to the last byte read
     * @param intact the SHA-256 of what arrived equals the SHA-256 of what was sent
     * @param sender the sending socket's {@code tcp_info} at the end
     * @param receiver the receiving socket's {@code tcp_info} at the end
     */
    record Transfer(long bytes, long nanos, boolean intact, byte[] sentSha256, byte[] receivedSha256,
            TcpInfo sender, TcpInfo receiver, long halfwayNanos) {
        /** Goodput of the second half of the bytes only: after slow start on any transfer long enough. */
        double secondHalfGoodputBitsPerSecond() {
            return (bytes - bytes / 2) * 8.0 / ((nanos - halfwayNanos) / 1e9);
        }

        /** Application bytes per second of virtual time, in bit/s. */
        double goodputBitsPerSecond() {
            return bytes * 8.0 / (nanos / 1e9);
        }

        @Override
        public String toString() {
            return String.format("%d bytes in %.3f s virtual: goodput %.2f Mbit/s, %s; sender %s",
                    bytes, nanos / 1e9, goodputBitsPerSecond() / 1e6, intact ? "SHA-256 equal" : "SHA-256 DIFFERS", sender);
        }
    }

    /**
     * Connects A to B, sends {@code bytes} of seeded random data from A as fast as the connection
     * takes it while B reads as fast as it arrives, and reports goodput and integrity.
     */
    Transfer bulkTransfer(int bytes, long dataSeed, long maxNanos) throws IOException {
        return bulkTransfer(bytes, dataSeed, maxNanos, SocketOptions.defaults());
    }

    /** {@link #bulkTransfer(int, long, long)} with socket options for both ends. */
    Transfer bulkTransfer(int bytes, long dataSeed, long maxNanos, SocketOptions options) throws IOException {
        byte[] data = new byte[bytes];
        new SplittableRandom(dataSeed).nextBytes(data);
        MessageDigest received = sha256();
        TcpListener listener = b.listenTcp(5001, 16, options);
        TcpSocket client = a.connectTcp(VirtualNet.B_ADDR, 5001, options);
        runUntil(() -> client.state() == TcpState.ESTABLISHED, 10 * SEC);
        TcpSocket[] server = new TcpSocket[1];
        runUntil(() -> {
            try {
                server[0] = server[0] != null ? server[0] : listener.accept(0, TimeUnit.NANOSECONDS);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return server[0] != null;
        }, 10 * SEC);
        byte[] buf = new byte[65536];
        long start = clock.nanoTime();
        long end = start + maxNanos;
        int sent = 0;
        long got = 0;
        long halfway = -1;
        while (got < bytes) {
            boolean progress = false;
            if (sent < bytes) {
                int n = client.tryWrite(data, sent, bytes - sent);
                sent += n;
                progress = n > 0;
            }
            int n;
            while ((n = server[0].tryRead(buf, 0, buf.length)) > 0) {
                received.update(buf, 0, n);
                got += n;
                progress = true;
                if (halfway < 0 && got >= bytes / 2) {
                    halfway = clock.nanoTime() - start;
                }
            }
            if (n < 0) {
                throw new AssertionError("end of stream after " + got + " of " + bytes + " bytes");
            }
            if (got == bytes) {
                break;
            }
            long next = settle();
            if (progress) {
                continue;
            }
            if (next == Long.MAX_VALUE || next > end) {
                throw new AssertionError("transfer stalled at " + got + " of " + bytes + " bytes after "
                        + (clock.nanoTime() - start) / MS + " ms; sender " + client.tcpInfo() + "; receiver "
                        + server[0].tcpInfo() + "; link " + link);
            }
            clock.set(next);
        }
        long elapsed = clock.nanoTime() - start;
        byte[] sentSha = sha256().digest(data);
        byte[] gotSha = received.digest();
        Transfer t = new Transfer(got, elapsed, Arrays.equals(sentSha, gotSha), sentSha, gotSha,
                client.tcpInfo(), server[0].tcpInfo(), halfway);
        client.close();
        server[0].close();
        listener.close();
        return t;
    }

    /** Frames the stacks dropped for a bad IP or TCP checksum. */
    long checksumDrops() {
        long n = 0;
        for (Stack s : new Stack[] {a, b}) {
            n += s.statistics().get(DropReason.IP_BAD_CHECKSUM) + s.statistics().get(DropReason.TCP_BAD_CHECKSUM);
        }
        return n;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
