package io.tapwire.apps.record;

import io.tapwire.link.Descriptor;
import io.tapwire.link.DescriptorRing;
import io.tapwire.pcap.replay.FrameComparison;
import io.tapwire.pcap.replay.Replay;
import io.tapwire.pcap.replay.Scenario;
import io.tapwire.pcap.replay.ScenarioConfig;
import io.tapwire.pcap.replay.ScenarioHost;
import io.tapwire.pcap.replay.TimedFrame;
import io.tapwire.tap.Netns;
import io.tapwire.tap.TapDevice;
import io.tapwire.time.Clock;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Records one scenario against the real Linux stack: a private namespace with {@code tap0}
 * (Linux side 10.0.0.1/24, IPv6 off so the kernel sends nothing unasked), a tapwire stack behind
 * it driven by a {@link ScenarioHost} on this class's own loop, the driver's Linux commands, and
 * then the scenario folder.
 *
 * <p>The loop is the recording half of the replay contract. Its clock reads
 * {@code System.nanoTime() - origin}, where the origin is the first poll, so the stack sees time
 * start at 0 as in the replay. Each received frame is recorded with the time of the poll that
 * consumed it and each emitted frame with the time of the poll that emitted it (the host's
 * observer), not with the device's read or write time. Near a deadline the loop spins instead of
 * sleeping, so timers fire within microseconds of their deadline, as they do in the replay.
 */
public final class Recorder {
    public static final String HOST_ADDRESS = "10.0.0.1";
    public static final String STACK_ADDRESS = "10.0.0.2";
    public static final String HOST_ADDRESS6 = "fd00::1";
    public static final String STACK_ADDRESS6 = "fd00::2";
    public static final String STACK_MAC = "02:74:77:00:00:02";
    /** Fixed so initial sequence numbers depend only on the clock and the 4-tuple. */
    public static final long ISN_SECRET = 0x7461_7077_6972_6531L;
    public static final long SEED = 0x7a9_5eedL;
    private static final String TAP = "tap0";
    /** Sleep only when the next deadline is further than this; spin otherwise. */
    private static final long SPIN_NANOS = 2_000_000L;
    /** The recording ends only when no timer is due within this (so the replay's end is quiet too). */
    private static final long QUIET_NANOS = 50_000_000L;
    private static final long MAX_STOP_WAIT_NANOS = 5_000_000_000L;

    private final PrintStream log;

    public Recorder(PrintStream log) {
        this.log = log;
    }

    /** The Python with scapy and the standard library the driver scripts use. */
    static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /** The stack settings every recording fixes (see {@link ScenarioConfig}). */
    static ScenarioConfig baseConfig(int mtu) {
        return new ScenarioConfig()
                .stack("mac", STACK_MAC)
                .stack("address", STACK_ADDRESS)
                .stack("prefixLength", 24)
                .stack("seed", "0x" + Long.toHexString(SEED))
                .stack("tcpIsnSecret", "0x" + Long.toHexString(ISN_SECRET))
                // IPv4 scenarios record a quiet IPv4-only stack (disable_ipv6=1); ScenarioDriver.ipv6() turns IPv6 on.
                .stack("disableIpv6", true)
                .mtu(mtu)
                .ringSize(512);
    }

    /**
     * Records {@code driver} into {@code root/<name>}, trying up to {@code attempts} times until
     * the driver's check passes and the recording replays identically.
     *
     * @return the replay check of the written scenario
     */
    public FrameComparison record(ScenarioDriver driver, Path root, int attempts) throws IOException {
        String problem = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Scenario s = recordOnce(driver, root.resolve(driver.name()));
            problem = driver.verify.apply(s.input(), s.expected());
            FrameComparison check = FrameComparison.compare(s.dir().toString(), s.expected(), Replay.run(s).emitted(),
                    s.config().timeToleranceNanos());
            if (problem == null && check.matches()) {
                s.write();
                log.printf("  %s: %d frames in, %d out, %.2f s; replays identically%n", driver.name(), s.input().size(),
                        s.expected().size(), s.config().endNanos() / 1e9);
                return check;
            }
            if (problem == null) {
                problem = "the recording does not replay identically:\n" + check.report();
            }
            log.printf("  %s: attempt %d of %d not kept: %s%n", driver.name(), attempt, attempts, problem);
        }
        throw new IllegalStateException(driver.name() + ": no usable recording after " + attempts + " attempts: " + problem);
    }

    private Scenario recordOnce(ScenarioDriver driver, Path dir) throws IOException {
        ScenarioConfig config = baseConfig(driver.stackMtu);
        driver.configure.accept(config);
        for (ScenarioDriver.Step step : driver.steps) {
            config.driver(String.join(" ", step.command()));
        }
        if (driver.dropTxDataEvery > 0) {
            config.driver("(recorder: every " + driver.dropTxDataEvery + "th TCP data segment from the stack lost on the wire)");
        }
        List<TimedFrame> rx = Collections.synchronizedList(new ArrayList<>());
        List<TimedFrame> tx = Collections.synchronizedList(new ArrayList<>());
        try (Netns ns = Netns.create()) {
            if (!driver.ipv6) {
                // No IPv6: the kernel would otherwise send router solicitations and MLD reports at link up.
                ns.exec("sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6");
            }
            try (TapDevice tap = TapDevice.openInNetns(ns.name(), TAP, driver.stackMtu, config.ringSize())) {
                int linuxMtu = driver.linuxMtu > 0 ? driver.linuxMtu : driver.stackMtu;
                if (linuxMtu != 1500) {
                    ns.run("ip", "link", "set", TAP, "mtu", Integer.toString(linuxMtu));
                }
                ns.run("ip", "addr", "add", HOST_ADDRESS + "/24", "dev", TAP);
                if (driver.ipv6) {
                    ns.run("ip", "-6", "addr", "add", HOST_ADDRESS6 + "/64", "dev", TAP, "nodad");
                }
                ns.run("ip", "link", "set", TAP, "up");
                for (List<String> cmd : driver.setup) {
                    ns.run(cmd.toArray(String[]::new));
                }
                Loop loop = new Loop(tap, new ScenarioHost(tap, config, observer(rx, tx)), driver.dropTxDataEvery);
                loop.host.start();
                Thread t = new Thread(loop::run, "tapwire-recorder");
                t.setDaemon(true);
                t.start();
                loop.awaitStarted();
                try {
                    // An IPv6 scenario waits out the stack's duplicate address detection (1 s) first.
                    sleep(Duration.ofMillis(driver.ipv6 ? 1300 : 100));
                    for (ScenarioDriver.Step step : driver.steps) {
                        runStep(ns, step, loop.originMonotonic);
                    }
                    sleep(driver.settle);
                } finally {
                    loop.stop();
                    join(t);
                    loop.host.close();
                }
                if (loop.failure != null) {
                    throw new IllegalStateException("the recording loop failed: " + loop.failure, loop.failure);
                }
                config.originEpochNanos(loop.originEpoch).endNanos(loop.end);
            }
        }
        return new Scenario(dir, driver.description, config, List.copyOf(rx), List.copyOf(tx));
    }

    private void runStep(Netns ns, ScenarioDriver.Step step, long origin) {
        String[] cmd = step.command().stream().map(w -> w.replace("{ORIGIN}", Long.toString(origin))).toArray(String[]::new);
        Netns.Result r = ns.exec(step.timeout(), cmd);
        if (step.mustSucceed() && !r.ok()) {
            throw new IllegalStateException("driver step failed (exit " + r.exitCode() + "): " + String.join(" ", step.command())
                    + "\n" + r.stdout() + r.stderr());
        }
    }

    private static ScenarioHost.FrameObserver observer(List<TimedFrame> rx, List<TimedFrame> tx) {
        return new ScenarioHost.FrameObserver() {
            @Override
            public void received(ByteBuffer frame, int length, long now) {
                rx.add(new TimedFrame(now, copy(frame, length)));
            }

            @Override
            public void transmitted(ByteBuffer frame, int length, long now) {
                tx.add(new TimedFrame(now, copy(frame, length)));
            }
        };
    }

    private static byte[] copy(ByteBuffer frame, int length) {
        byte[] b = new byte[length];
        frame.get(0, b);
        return b;
    }

    /** The recording loop: device I/O, one host step per turn, spin near deadlines. */
    private static final class Loop {
        final TapDevice tap;
        final ScenarioHost host;
        final int dropTxDataEvery;
        final java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        volatile boolean stopRequested;
        volatile long originMonotonic;
        volatile long originEpoch;
        volatile long end;
        volatile Throwable failure;
        long txSeen;
        long dataSegments;

        Loop(TapDevice tap, ScenarioHost host, int dropTxDataEvery) {
            this.tap = tap;
            this.host = host;
            this.dropTxDataEvery = dropTxDataEvery;
        }

        void run() {
            try {
                long origin = System.nanoTime();
                originMonotonic = origin;
                originEpoch = origin + Clock.SYSTEM.epochOffsetNanos();
                started.countDown();
                long now = 0;
                long stopAt = Long.MAX_VALUE;
                while (true) {
                    tap.doWork(now);
                    long next = host.step(now);
                    loseOnTheWire();
                    tap.doWork(now);
                    if (stopRequested) {
                        if (stopAt == Long.MAX_VALUE) {
                            stopAt = now;
                        }
                        if (next - now > QUIET_NANOS || now - stopAt > MAX_STOP_WAIT_NANOS) {
                            end = now;
                            return;
                        }
                    }
                    long wait = next - (System.nanoTime() - origin);
                    if (wait > SPIN_NANOS) {
                        tap.await(Math.min(wait - SPIN_NANOS, 20_000_000L));
                    }
                    now = Math.max(now, System.nanoTime() - origin);
                }
            } catch (Throwable t) {
                failure = t;
                started.countDown();
            }
        }

        /** Spoils the destination MAC of every n-th TCP data segment waiting to be sent. */
        private void loseOnTheWire() {
            DescriptorRing ring = tap.txRing();
            long end = ring.producerPosition();
            for (long s = Math.max(txSeen, ring.consumerPosition()); s < end; s++) {
                Descriptor d = ring.at(s);
                if (dropTxDataEvery > 0 && isTcpData(d.buffer(), d.length()) && ++dataSegments % dropTxDataEvery == 0) {
                    d.buffer().put(0, (byte) 0x02).put(1, (byte) 0).put(2, (byte) 0).put(3, (byte) 0).put(4, (byte) 0).put(5, (byte) 0x99);
                }
            }
            txSeen = end;
        }

        private static boolean isTcpData(ByteBuffer b, int len) {
            if (len < 54 || b.getShort(12) != 0x0800 || b.get(23) != 6) {
                return false;
            }
            int ihl = (b.get(14) & 0x0F) * 4;
            int total = b.getShort(16) & 0xFFFF;
            int thl = ((b.get(14 + ihl + 12) & 0xFF) >> 4) * 4;
            return total - ihl - thl > 0;
        }

        void awaitStarted() {
            try {
                started.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void stop() {
            stopRequested = true;
            tap.wakeup();
        }
    }

    private static void join(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while recording", e);
        }
    }
}
