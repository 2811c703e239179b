package io.tapwire.apps.impair;

import io.tapwire.Stat;
import io.tapwire.apps.Sandbox;
import io.tapwire.apps.progress.Progress;
import io.tapwire.link.FaultPath;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tap.Netns;
import io.tapwire.wire.Ipv4Address;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The three kinds of bulk transfer of {@code tapwire bench impair}, each of one file, checked byte
 * for byte by count and SHA-256 at the receiver, and timed the same way: from the sender's start
 * until the sender has seen the receiver close after the last byte (so every byte was delivered
 * and acknowledged). Linux's ends are {@code nc}; tapwire's are blocking sockets on the stack.
 */
final class ImpairTransfers {
    static final int PORT = 5001;

    /** One measured transfer. */
    record Transfer(String direction, long bytes, double seconds, boolean intact, String detail,
                    long lost, long reordered, long senderRetransmits) {
        double goodputMbps() {
            return seconds > 0 ? bytes * 8 / seconds / 1e6 : 0;
        }
    }

    private final Path file;
    private final Path sender;
    private final long size;
    private final String sha256;
    private final Duration timeout;

    ImpairTransfers(Path file, Duration timeout) throws IOException {
        this.file = file;
        this.sender = file.resolveSibling("send.py");
        Files.writeString(sender, io.tapwire.apps.charts.ChartPage.resourceText("io/tapwire/apps/impair/send.py"));
        this.size = Files.size(file);
        this.sha256 = sha256(file);
        this.timeout = timeout;
    }

    /** Writes {@code size} pseudo-random bytes from {@code seed} to {@code file}. */
    static void makeFile(Path file, long size, long seed) throws IOException {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        byte[] buf = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; ) {
                for (int i = 0; i < buf.length; i += 8) {
                    long v = r.nextLong();
                    for (int k = 0; k < 8; k++) {
                        buf[i + k] = (byte) (v >>> (8 * k));
                    }
                }
                int n = (int) Math.min(left, buf.length);
                out.write(buf, 0, n);
                left -= n;
            }
        }
    }

    /** tapwire's stack sends the file to {@code nc -l} on the Linux side of the sandbox. */
    Transfer tapwireToLinux(Sandbox sb, String label) throws Exception {
        FaultPath path = sb.faultInjector().transmitPath();
        long lost0 = path.randomLosses();
        long reordered0 = path.reordered();
        long retrans0 = sb.statistics().get(Stat.TCP_RETRANS_SEGS);
        CompletableFuture<Netns.Result> receiver = receive(sb.netns(), Sandbox.HOST_ADDRESS);
        long start = System.nanoTime();
        AtomicLong sent = new AtomicLong();
        try (Progress p = Progress.start(label, size, sent::get, Progress.Unit.BYTES);
             TcpSocket s = TcpSocket.connect(sb.stack(), Ipv4Address.parse(Sandbox.HOST_ADDRESS), PORT, 10, TimeUnit.SECONDS);
             InputStream in = Files.newInputStream(file)) {
            s.setSoTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
            OutputStream out = s.outputStream();
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                sent.addAndGet(n);
            }
            s.shutdownOutput();
            // nc -l exits after the last byte and closes: its FIN says everything arrived.
            InputStream back = s.inputStream();
            while (back.read(buf) >= 0) {
                // nothing is expected back
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Netns.Result r = receiver.get(timeout.toSeconds(), TimeUnit.SECONDS);
        return checked("tapwire -> Linux", r, seconds, path.randomLosses() - lost0, path.reordered() - reordered0,
                sb.statistics().get(Stat.TCP_RETRANS_SEGS) - retrans0);
    }

    /** Linux sends the file with {@code nc -N} to a sink on tapwire's stack that hashes what it reads. */
    Transfer linuxToTapwire(Sandbox sb, String cc, String label) throws Exception {
        FaultPath path = sb.faultInjector().receivePath();
        long lost0 = path.randomLosses();
        long reordered0 = path.reordered();
        long retrans0 = linuxRetransmits(sb.netns());
        AtomicLong received = new AtomicLong();
        CompletableFuture<String> sink;
        try (TcpListener listener = sb.stack().listenTcp(PORT, 4)) {
            sink = CompletableFuture.supplyAsync(() -> sinkOne(listener, received), runnable -> {
                Thread t = new Thread(runnable, "impair-sink");
                t.setDaemon(true);
                t.start();
            });
            long start = System.nanoTime();
            Netns.Result r;
            try (Progress p = Progress.start(label, size, received::get, Progress.Unit.BYTES)) {
                r = send(sb.netns(), cc);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            String got = sink.get(30, TimeUnit.SECONDS);
            String[] parts = got.split(" ");
            boolean intact = r.exitCode() == 0 && Long.parseLong(parts[0]) == size && parts[1].equals(sha256)
                    && r.stdout().strip().equals(cc);
            return new Transfer("Linux -> tapwire", size, seconds, intact,
                    intact ? "" : "sender exit " + r.exitCode() + " (" + r.stdout().strip() + ")" + " " + r.stderr().strip() + "; received " + got,
                    path.randomLosses() - lost0, path.reordered() - reordered0, linuxRetransmits(sb.netns()) - retrans0);
        }
    }

    private String sinkOne(TcpListener listener, AtomicLong received) {
        try (TcpSocket s = listener.accept(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            if (s == null) {
                return "0 none";
            }
            s.setSoTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
            MessageDigest sha = sha();
            InputStream in = s.inputStream();
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) >= 0) {
                sha.update(buf, 0, n);
                received.addAndGet(n);
            }
            return received.get() + " " + HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            return received.get() + " error:" + e.getMessage();
        }
    }

    /** Linux sends the file to Linux through the relay: host (10.0.0.1) to peer (10.0.0.2). */
    Transfer linuxToLinux(RelayedPair pair, String cc, String label) throws Exception {
        FaultPath path = pair.relay().aToB();
        long lost0 = path.randomLosses();
        long reordered0 = path.reordered();
        long delivered0 = path.deliveredBytes();
        long retrans0 = linuxRetransmits(pair.host());
        CompletableFuture<Netns.Result> receiver = receive(pair.peer(), Sandbox.STACK_ADDRESS);
        long start = System.nanoTime();
        Netns.Result sender;
        // Progress from the frames the relay delivered (headers included: an estimate).
        try (Progress p = Progress.start(label, size, () -> path.deliveredBytes() - delivered0, Progress.Unit.BYTES)) {
            sender = send(pair.host(), cc);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Netns.Result r = receiver.get(timeout.toSeconds(), TimeUnit.SECONDS);
        Transfer t = checked("Linux -> Linux", r, seconds, path.randomLosses() - lost0, path.reordered() - reordered0,
                linuxRetransmits(pair.host()) - retrans0);
        if (sender.exitCode() != 0 || !sender.stdout().strip().equals(cc)) {
            return new Transfer(t.direction(), t.bytes(), t.seconds(), false, "sender exit " + sender.exitCode()
                    + " (congestion control " + sender.stdout().strip() + ") "
                    + sender.stderr().strip() + "; " + t.detail(), t.lost(), t.reordered(), t.senderRetransmits());
        }
        return t;
    }

    /** The Python sender in {@code ns}: the file to 10.0.0.2 with congestion control {@code cc}; prints the one used. */
    private Netns.Result send(Netns ns, String cc) {
        return ns.exec(timeout, "python3", sender.toString(), Sandbox.STACK_ADDRESS, Integer.toString(PORT), file.toString(), cc);
    }

    /**
     * {@code nc -l} at {@code address} in {@code ns}, its stream counted ({@code wc -c}, stdout) and
     * hashed ({@code sha256sum}, stderr); returns once it listens.
     */
    private CompletableFuture<Netns.Result> receive(Netns ns, String address) throws InterruptedException {
        String script = "{ nc -l " + address + " " + PORT + " | tee /dev/fd/3 | sha256sum >&2; } 3>&1 | wc -c";
        CompletableFuture<Netns.Result> r = CompletableFuture.supplyAsync(() -> ns.exec(timeout, "sh", "-c", script),
                runnable -> {
                    Thread t = new Thread(runnable, "impair-receiver");
                    t.setDaemon(true);
                    t.start();
                });
        for (int i = 0; ; i++) {
            if (ns.exec(Duration.ofSeconds(5), "ss", "-Hltn", "sport = :" + PORT).stdout().contains(":" + PORT)) {
                return r;
            }
            if (r.isDone()) {
                throw new IllegalStateException("nc -l ended before listening: " + r.join());
            }
            if (i > 500) {
                throw new IllegalStateException("gave up waiting for nc -l to listen on " + address + ":" + PORT);
            }
            Thread.sleep(20);
        }
    }

    private Transfer checked(String direction, Netns.Result r, double seconds, long lost, long reordered, long retrans) {
        String count = r.stdout().strip();
        String hash = r.stderr().strip();
        boolean intact = count.equals(Long.toString(size)) && hash.equals(sha256 + "  -");
        return new Transfer(direction, size, seconds, intact,
                intact ? "" : "received " + count + " bytes, sha256 " + hash + " (expected " + size + ", " + sha256 + ")",
                lost, reordered, retrans);
    }

    /** {@code RetransSegs} of the namespace's TCP MIB: the Linux sender's retransmissions. */
    static long linuxRetransmits(Netns ns) {
        String snmp = ns.exec(Duration.ofSeconds(5), "cat", "/proc/net/snmp").stdout();
        String[] lines = snmp.lines().filter(l -> l.startsWith("Tcp:")).toArray(String[]::new);
        if (lines.length != 2) {
            return -1;
        }
        java.util.List<String> names = java.util.List.of(lines[0].split("\\s+"));
        return Long.parseLong(lines[1].split("\\s+")[names.indexOf("RetransSegs")]);
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest sha = sha();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
