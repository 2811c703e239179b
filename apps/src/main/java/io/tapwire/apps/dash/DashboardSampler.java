package io.tapwire.apps.dash;

import io.tapwire.Stack;
import io.tapwire.Stat;
import io.tapwire.Statistics;
import io.tapwire.tcp.CaEventLog;
import io.tapwire.tcp.TcpInfo;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.wire.Ipv4Address;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The data of the live dashboard: every {@value #DEFAULT_PERIOD_MILLIS} ms, on the stack thread
 * ({@link Stack#execute}, so nothing races the protocol state), a sample of the stack — frames and
 * TCP payload per second both ways, drops per second — and of each TCP connection: state, CA state,
 * {@code tcp_info} figures (cwnd, ssthresh, bytes in flight, srtt, rto, delivery rate, retransmits)
 * and the CA state changes of its {@link CaEventLog} since the last sample. Each sample is one JSON
 * object, kept in a ring of the last {@value #HISTORY} for a new viewer's history.
 *
 * <p>Sampling runs only while someone watches: {@link #touch()} (each event-stream request and each
 * write to one) starts it, and it stops {@value #IDLE_STOP_MILLIS} ms after the last touch, so a
 * stack nobody looks at pays nothing. The busiest {@value #MAX_CONNECTIONS} connections (by bytes
 * moved) are sampled, so a stack holding 100,000 idle connections still gives small samples.
 */
public final class DashboardSampler implements AutoCloseable {
    /** Sampling period. */
    public static final long DEFAULT_PERIOD_MILLIS = 250;
    /** Samples kept for a new viewer (a minute at the default period). */
    static final int HISTORY = 240;
    /** Connections per sample. */
    static final int MAX_CONNECTIONS = 32;
    static final long IDLE_STOP_MILLIS = 30_000;

    private final Stack stack;
    private final long periodMillis;
    private final ScheduledExecutorService timer;
    private ScheduledFuture<?> task;
    private volatile long lastTouch;

    // Sample state: touched on the stack thread only.
    private long startNanos = Long.MIN_VALUE;
    private long lastSampleNanos;
    private long lastRxFrames;
    private long lastTxFrames;
    private long lastDrops;
    private final Map<String, long[]> lastBytes = new HashMap<>();
    private final Map<String, Long> lastEvent = new HashMap<>();

    // The ring of samples, guarded by 'this'.
    private final ArrayDeque<String> ring = new ArrayDeque<>();
    private long seq;

    private DashboardSampler(Stack stack, long periodMillis) {
        this.stack = stack;
        this.periodMillis = periodMillis;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tapwire-dashboard");
            t.setDaemon(true);
            return t;
        });
    }

    /** A sampler of {@code stack}; it samples only once watched ({@link #touch()}). */
    public static DashboardSampler of(Stack stack) {
        return new DashboardSampler(stack, DEFAULT_PERIOD_MILLIS);
    }

    /** A sampler with another period (tests). */
    public static DashboardSampler of(Stack stack, long periodMillis) {
        return new DashboardSampler(stack, periodMillis);
    }

    /** The sampling period in milliseconds. */
    public long periodMillis() {
        return periodMillis;
    }

    /** Someone is watching: sampling runs (starting now if it was stopped). Any thread. */
    public synchronized void touch() {
        lastTouch = System.nanoTime();
        if (task == null && !timer.isShutdown()) {
            task = timer.scheduleAtFixedRate(this::tick, 0, periodMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void tick() {
        synchronized (this) {
            if (System.nanoTime() - lastTouch > IDLE_STOP_MILLIS * 1_000_000L) {
                task.cancel(false);
                task = null;
                return;
            }
        }
        stack.execute(this::sample);
    }

    /** Sequence number of the newest sample, 0 before the first. */
    public synchronized long latest() {
        return seq;
    }

    /**
     * The oldest kept sample newer than {@code afterSeq}, with its sequence number, or null when
     * there is none yet.
     */
    public synchronized Sample next(long afterSeq) {
        long oldest = seq - ring.size() + 1;
        long want = Math.max(afterSeq + 1, oldest);
        if (want > seq) {
            return null;
        }
        int index = (int) (want - oldest);
        int i = 0;
        for (String s : ring) {
            if (i++ == index) {
                return new Sample(want, s);
            }
        }
        return null;
    }

    /** One sample: its sequence number and JSON. */
    public record Sample(long seq, String json) {
    }

    private synchronized void publish(String json) {
        seq++;
        ring.addLast(json);
        while (ring.size() > HISTORY) {
            ring.removeFirst();
        }
        notifyAll();
    }

    /** Takes one sample now; runs on the stack thread. Package-visible for tests. */
    void sample() {
        long now = stack.now();
        Statistics st = stack.statistics();
        long rx = st.get(Stat.RX_FRAMES);
        long tx = st.get(Stat.TX_FRAMES);
        long drops = st.get(Stat.RX_DROPPED) + st.get(Stat.TX_RING_FULL);
        boolean first = startNanos == Long.MIN_VALUE;
        if (first) {
            startNanos = now;
            lastSampleNanos = now;
            lastRxFrames = rx;
            lastTxFrames = tx;
            lastDrops = drops;
        }
        double dt = Math.max(1e-9, (now - lastSampleNanos) / 1e9);
        List<TcpLayer.TcpInfoEntry> all = stack.tcp().connections();
        long inBytes = 0;
        long outBytes = 0;
        Map<String, long[]> bytesNow = new HashMap<>();
        List<Object[]> rows = new ArrayList<>();
        for (TcpLayer.TcpInfoEntry e : all) {
            // IPv6 ends in brackets, as ss prints them.
            String id = e.ipv6() != null
                    ? "[" + e.ipv6().local() + "]:" + e.localPort() + "-[" + e.ipv6().remote() + "]:" + e.remotePort()
                    : Ipv4Address.toString(e.localAddress()) + ":" + e.localPort() + "-"
                            + Ipv4Address.toString(e.remoteAddress()) + ":" + e.remotePort();
            TcpInfo i = e.info();
            long[] prev = lastBytes.getOrDefault(id, new long[2]);
            long dIn = Math.max(0, i.bytesReceived() - prev[0]);
            long dOut = Math.max(0, i.bytesAcked() - prev[1]);
            inBytes += dIn;
            outBytes += dOut;
            bytesNow.put(id, new long[] {i.bytesReceived(), i.bytesAcked()});
            rows.add(new Object[] {id, e, dIn + dOut});
        }
        lastBytes.clear();
        lastBytes.putAll(bytesNow);
        rows.sort(Comparator.<Object[]>comparingLong(r -> (Long) r[2]).reversed()
                .thenComparing(r -> (String) r[0]));
        StringBuilder sb = new StringBuilder(512);
        sb.append("{\"t\":").append(num((now - startNanos) / 1e9))
                .append(",\"rxFps\":").append(num(first ? 0 : (rx - lastRxFrames) / dt))
                .append(",\"txFps\":").append(num(first ? 0 : (tx - lastTxFrames) / dt))
                .append(",\"inMbps\":").append(num(first ? 0 : inBytes * 8 / dt / 1e6))
                .append(",\"outMbps\":").append(num(first ? 0 : outBytes * 8 / dt / 1e6))
                .append(",\"dropsPs\":").append(num(first ? 0 : (drops - lastDrops) / dt))
                .append(",\"drops\":").append(drops)
                .append(",\"connections\":").append(all.size())
                .append(",\"conns\":[");
        StringBuilder events = new StringBuilder();
        Map<String, Long> seenNow = new HashMap<>();
        for (int k = 0; k < rows.size() && k < MAX_CONNECTIONS; k++) {
            String id = (String) rows.get(k)[0];
            TcpLayer.TcpInfoEntry e = (TcpLayer.TcpInfoEntry) rows.get(k)[1];
            TcpInfo i = e.info();
            if (k > 0) {
                sb.append(',');
            }
            sb.append("{\"id\":\"").append(id).append("\",\"state\":\"").append(i.state())
                    .append("\",\"ca\":\"").append(i.caState()).append("\",\"cc\":\"").append(i.caAlgorithm())
                    .append("\",\"cwnd\":").append(i.cwnd())
                    .append(",\"ssthresh\":").append(i.ssthresh() == Integer.MAX_VALUE ? "null" : Integer.toString(i.ssthresh()))
                    .append(",\"inflight\":").append(i.bytesInFlight())
                    .append(",\"srttMs\":").append(num(i.srttMicros() / 1000.0))
                    .append(",\"rtoMs\":").append(num(i.rtoMicros() / 1000.0))
                    .append(",\"mss\":").append(i.sndMss())
                    .append(",\"received\":").append(i.bytesReceived())
                    .append(",\"acked\":").append(i.bytesAcked())
                    .append(",\"retrans\":").append(i.totalRetransmits())
                    .append(",\"lost\":").append(i.lost())
                    .append(",\"sacked\":").append(i.sacked())
                    .append(",\"rateMbps\":").append(num(i.deliveryRateBytesPerSecond() * 8 / 1e6))
                    .append('}');
            long seen = lastEvent.getOrDefault(id, startNanos - 1);
            long newest = seen;
            for (CaEventLog.Event ev : e.caEvents()) {
                if (ev.timeNanos() > seen) {
                    if (events.length() > 0) {
                        events.append(',');
                    }
                    events.append("{\"id\":\"").append(id).append("\",\"t\":").append(num((ev.timeNanos() - startNanos) / 1e9))
                            .append(",\"from\":\"").append(ev.from()).append("\",\"to\":\"").append(ev.to())
                            .append("\",\"cause\":\"").append(jsonText(ev.cause())).append("\",\"cwnd\":").append(ev.cwnd())
                            .append(",\"ssthresh\":")
                            .append(ev.ssthresh() == Integer.MAX_VALUE ? "null" : Integer.toString(ev.ssthresh())).append('}');
                    newest = Math.max(newest, ev.timeNanos());
                }
            }
            seenNow.put(id, newest);
        }
        // Connections that fell out of the sample keep their place in the event log.
        for (Map.Entry<String, Long> en : lastEvent.entrySet()) {
            if (bytesNow.containsKey(en.getKey())) {
                seenNow.putIfAbsent(en.getKey(), en.getValue());
            }
        }
        lastEvent.clear();
        lastEvent.putAll(seenNow);
        sb.append("],\"events\":[").append(events).append("]}");
        lastSampleNanos = now;
        lastRxFrames = rx;
        lastTxFrames = tx;
        lastDrops = drops;
        publish(sb.toString());
    }

    private static String num(double v) {
        if (!Double.isFinite(v)) {
            return "0";
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String jsonText(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(' ');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Stops sampling for good. */
    @Override
    public synchronized void close() {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
        timer.shutdownNow();
    }
}
