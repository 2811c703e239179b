package io.tapwire.apps.bench;

import io.tapwire.tcp.TcpInfo;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.tap.Netns;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Looks at the connection of a bulk transfer while it runs, to say what limits it: tapwire's
 * {@link TcpInfo} every 100 ms (srtt, cwnd, bytes in flight, windows), or for Linux one
 * {@code ss -tin} of the server's socket. Runs on its own daemon thread; {@link #stop()} returns the
 * summary line.
 */
final class TransferProbe {
    private final List<TcpInfo> samples = new ArrayList<>();
    private final List<String> ss = new ArrayList<>();
    private volatile boolean stopped;
    private Thread running;

    private TransferProbe() {
    }

    /** Samples tapwire's busy ESTABLISHED connections on {@code localPort} every 100 ms. */
    static TransferProbe tapwire(TcpLayer tcp, int localPort) {
        TransferProbe p = new TransferProbe();
        p.start(() -> {
            while (!p.stopped) {
                sleep(100);
                for (TcpLayer.TcpInfoEntry e : tcp.connections()) {
                    TcpInfo i = e.info();
                    if (e.localPort() == localPort && i.state().name().equals("ESTABLISHED") && i.bytesAcked() + i.bytesReceived() > 0) {
                        synchronized (p.samples) {
                            p.samples.add(i);
                        }
                    }
                }
            }
        });
        return p;
    }

    /** Takes one {@code ss -tin} of the socket on {@code localPort} in {@code ns} after {@code delayMillis}. */
    static TransferProbe linux(Netns ns, int localPort, long delayMillis) {
        TransferProbe p = new TransferProbe();
        p.start(() -> {
            sleep(delayMillis);
            if (p.stopped) {
                return;
            }
            try {
                String out = ns.exec("ss", "-tinH", "state", "established", "( sport = :" + localPort + " )").stdout();
                synchronized (p.ss) {
                    p.ss.add(out.replaceAll("\\s+", " ").trim());
                }
            } catch (RuntimeException ignored) {
                // diagnostic only
            }
        });
        return p;
    }

    private void start(Runnable loop) {
        running = new Thread(loop, "bench-transfer-probe");
        running.setDaemon(true);
        running.start();
    }

    /** Stops sampling and summarises what was seen ("" when nothing was). */
    String stop() {
        stopped = true;
        if (running != null) {
            try {
                running.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (ss) {
            if (!ss.isEmpty() && !ss.get(0).isEmpty()) {
                return "mid-transfer ss -tin (server socket): " + abbreviate(ss.get(0));
            }
        }
        synchronized (samples) {
            if (samples.isEmpty()) {
                return "";
            }
            List<Long> srtt = new ArrayList<>();
            List<Long> inflight = new ArrayList<>();
            List<Long> cwnd = new ArrayList<>();
            List<Long> sndWnd = new ArrayList<>();
            List<Long> rcvWnd = new ArrayList<>();
            long retrans = 0;
            for (TcpInfo i : samples) {
                srtt.add(i.srttMicros());
                inflight.add((long) i.bytesInFlight());
                cwnd.add((long) i.cwnd());
                sndWnd.add((long) i.sndWnd());
                rcvWnd.add((long) i.rcvWnd());
                retrans = Math.max(retrans, i.totalRetransmits());
            }
            return String.format(Locale.ROOT, "tapwire TcpInfo, median of %d samples: srtt %d us, cwnd %d, in flight %d (max %d), snd_wnd %d, rcv_wnd %d"
                            + " (min %d), retransmits %d, mss %d", samples.size(), median(srtt), median(cwnd), median(inflight), max(inflight),
                    median(sndWnd), median(rcvWnd), min(rcvWnd), retrans, samples.get(0).sndMss());
        }
    }

    private static String abbreviate(String ss) {
        return ss.length() > 400 ? ss.substring(0, 400) + "..." : ss;
    }

    private static long median(List<Long> v) {
        List<Long> s = new ArrayList<>(v);
        s.sort(Long::compare);
        return s.get(s.size() / 2);
    }

    private static long max(List<Long> v) {
        return v.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    private static long min(List<Long> v) {
        return v.stream().mapToLong(Long::longValue).min().orElse(0);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
