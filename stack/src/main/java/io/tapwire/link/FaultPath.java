package io.tapwire.link;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * One direction of a simulated link: frames go in with {@link #send} at a time, and come out of
 * {@link #deliverDue} once virtual (or real) time reaches their arrival. Sans-IO like the stack:
 * it never reads a clock, and {@link #nextDeadline()} says when the next frame is due.
 *
 * <p>A frame meets the effects of its {@link LinkProfile} in this order:
 * <ol>
 *   <li><b>Queue and serializer</b>: with a rate, frames are sent one after another, each taking
 *       {@code bits / rate}; a frame that finds {@code queueLimit} frames waiting or in serialization
 *       is dropped (drop-tail, counted in {@link #queueDrops()}).</li>
 *   <li><b>Wire</b>: burst loss (Gilbert–Elliott), then random loss, then corruption (one bit of a
 *       copy of the frame is flipped at or after {@code corruptFromOffset}).</li>
 *   <li><b>Far end</b>: the frame arrives {@code delayNanos} after it left the serializer. A
 *       reordered frame is held back (by an extra delay, or until a number of later frames has been
 *       delivered); a duplicated frame arrives twice, the copy right after the original.</li>
 * </ol>
 *
 * <p><b>Deterministic</b>: each effect draws from its own {@link SplittableRandom} stream split from
 * the seed, so the same seed, frames and times give the same output, and turning one effect on or
 * off does not change the choices of the others. Frames due at the same instant leave in the
 * order they were scheduled.
 *
 * <p>Frame copies are pooled: after warm-up the path allocates nothing per frame. Not thread-safe;
 * one owner drives it.
 */
public final class FaultPath {
    /** Where due frames go, e.g. {@code (f, len, at) -> device.inject(f, 0, len, at)}. */
    @FunctionalInterface
    public interface Sink {
        /**
         * Takes one frame: bytes {@code [0, length)} of {@code frame}, arriving at {@code atNanos}.
         * The buffer is reused after the call returns.
         *
         * @return false if the receiver had no room (counted in {@link #sinkDrops()})
         */
        boolean deliver(ByteBuffer frame, int length, long atNanos);
    }

    private static final class Frame {
        byte[] data = new byte[0];
        ByteBuffer view = ByteBuffer.wrap(data);
        int length;
        /** When it leaves the path. */
        long due;
        /** When it would have arrived had it not been held for reordering. */
        long nominal;
        /** Tie-break for frames due at the same instant: scheduling order. */
        long order;
        /** Later frames still to be delivered before a held frame is released; 0 when not held by count. */
        int holdCount;
        boolean held;
    }

    private LinkProfile profile;
    private GilbertElliott.Channel burst;
    private final SplittableRandom lossRandom;
    private final SplittableRandom burstRandom;
    private final SplittableRandom corruptRandom;
    private final SplittableRandom duplicateRandom;
    private final SplittableRandom reorderRandom;

    private final PriorityQueue<Frame> scheduled = new PriorityQueue<>(64,
            (x, y) -> x.due != y.due ? Long.compare(x.due, y.due) : Long.compare(x.order, y.order));
    private final ArrayList<Frame> heldByCount = new ArrayList<>();
    private final ArrayDeque<Frame> pool = new ArrayDeque<>();
    private long nextOrder;

    // The bottleneck queue: departure times of frames waiting for or in serialization, a ring of longs.
    private long[] departures = new long[64];
    private int queueHead;
    private int queueCount;
    private long lastDeparture = Long.MIN_VALUE;
    private long serializationRemainder;
    private long lastSend = Long.MIN_VALUE;

    private long offered;
    private long offeredBytes;
    private long delivered;
    private long deliveredBytes;
    private long queueDrops;
    private long randomLosses;
    private long burstLosses;
    private long corrupted;
    private long duplicated;
    private long reordered;
    private long sinkDrops;

    /** A path with {@code profile}, its random choices drawn from {@code seed}. */
    public FaultPath(LinkProfile profile, long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        this.lossRandom = root.split();
        this.burstRandom = root.split();
        this.corruptRandom = root.split();
        this.duplicateRandom = root.split();
        this.reorderRandom = root.split();
        profile(profile);
    }

    /** The current profile. */
    public LinkProfile profile() {
        return profile;
    }

    /**
     * Changes the profile for frames sent from now on (frames already inside keep their fate), so a
     * test can, say, start losing frames half-way. A changed burst-loss model starts in GOOD.
     */
    public void profile(LinkProfile newProfile) {
        if (newProfile == null) {
            throw new IllegalArgumentException("profile must not be null; use LinkProfile.ideal() for a perfect link");
        }
        if (burst == null || newProfile.burstLoss() == null || !newProfile.burstLoss().equals(burst.model())) {
            burst = newProfile.burstLoss() == null ? null : newProfile.burstLoss().newChannel();
        }
        this.profile = newProfile;
    }

    /** Sends a frame given as bytes (convenience for tests). */
    public void send(byte[] frame, long nowNanos) {
        send(ByteBuffer.wrap(frame), 0, frame.length, nowNanos);
    }

    /**
     * Puts bytes {@code [offset, offset + length)} of {@code src} (absolute indices; the buffer's
     * position is not used or changed) on the path at {@code nowNanos}. The bytes are copied.
     */
    public void send(ByteBuffer src, int offset, int length, long nowNanos) {
        if (nowNanos < lastSend) {
            throw new IllegalArgumentException("time went backwards on the link: send at " + nowNanos + " after " + lastSend);
        }
        lastSend = nowNanos;
        offered++;
        offeredBytes += length;
        long departure = serialize(length, nowNanos);
        if (departure == Long.MIN_VALUE) {
            queueDrops++;
            return;
        }
        // The wire. Each effect draws from its own stream only when it is switched on.
        boolean burstLost = burst != null && burst.lose(burstRandom);
        boolean randomLost = profile.lossRate() > 0 && lossRandom.nextDouble() < profile.lossRate();
        if (burstLost) {
            burstLosses++;
            return;
        }
        if (randomLost) {
            randomLosses++;
            return;
        }
        Frame f = copy(src, offset, length);
        if (profile.corruptRate() > 0 && corruptRandom.nextDouble() < profile.corruptRate()
                && length > profile.corruptFromOffset()) {
            int bits = (length - profile.corruptFromOffset()) * 8;
            int bit = profile.corruptFromOffset() * 8 + corruptRandom.nextInt(bits);
            f.data[bit >>> 3] ^= (byte) (0x80 >>> (bit & 7));
            corrupted++;
        }
        boolean duplicate = profile.duplicateRate() > 0 && duplicateRandom.nextDouble() < profile.duplicateRate();
        boolean reorder = profile.reorderRate() > 0 && reorderRandom.nextDouble() < profile.reorderRate();
        long arrival = departure + profile.delayNanos();
        f.nominal = arrival;
        f.order = nextOrder++;
        if (reorder) {
            reordered++;
            f.held = true;
            f.due = arrival + profile.reorderDelayNanos();
            if (profile.reorderGapFrames() > 0) {
                f.holdCount = profile.reorderGapFrames();
                heldByCount.add(f);
            } else {
                scheduled.add(f);
            }
        } else {
            f.due = arrival;
            scheduled.add(f);
        }
        if (duplicate) {
            duplicated++;
            Frame d = copy(f.view, 0, f.length);
            d.due = arrival;
            d.nominal = arrival;
            d.order = nextOrder++;
            scheduled.add(d);
        }
    }

    /**
     * The bottleneck: returns when the frame leaves the serializer, or {@code Long.MIN_VALUE} if the
     * queue is full. Serialization times carry their sub-nanosecond remainder while frames are back to
     * back, so a long burst takes exactly {@code bits / rate}.
     */
    private long serialize(int length, long now) {
        long rate = profile.rateBitsPerSecond();
        if (rate == 0) {
            return now;
        }
        while (queueCount > 0 && departures[queueHead] <= now) {
            queueHead = (queueHead + 1) & (departures.length - 1);
            queueCount--;
        }
        if (queueCount >= profile.queueLimit()) {
            return Long.MIN_VALUE;
        }
        long start;
        if (lastDeparture > now) {
            start = lastDeparture;
        } else {
            start = now;
            serializationRemainder = 0;
        }
        long numerator = length * 8L * 1_000_000_000L + serializationRemainder;
        long departure = start + numerator / rate;
        serializationRemainder = numerator % rate;
        lastDeparture = departure;
        if (queueCount == departures.length) {
            long[] bigger = new long[departures.length * 2];
            for (int i = 0; i < queueCount; i++) {
                bigger[i] = departures[(queueHead + i) & (departures.length - 1)];
            }
            departures = bigger;
            queueHead = 0;
        }
        departures[(queueHead + queueCount) & (departures.length - 1)] = departure;
        queueCount++;
        return departure;
    }

    private Frame copy(ByteBuffer src, int offset, int length) {
        Frame f = pool.poll();
        if (f == null) {
            f = new Frame();
        }
        if (f.data.length < length) {
            f.data = new byte[Math.max(length, 1536)];
            f.view = ByteBuffer.wrap(f.data);
        }
        src.get(offset, f.data, 0, length);
        f.length = length;
        f.holdCount = 0;
        f.held = false;
        return f;
    }

    /**
     * Hands every frame due at or before {@code nowNanos} to {@code sink}, in arrival order, each with
     * its exact arrival time. A frame held for reordering by count is released right after the
     * frame that completes its count.
     *
     * @return frames handed to the sink (including any it refused)
     */
    public int deliverDue(long nowNanos, Sink sink) {
        int n = 0;
        while (true) {
            Frame next = scheduled.peek();
            int heldIndex = -1;
            for (int i = 0; i < heldByCount.size(); i++) {
                Frame h = heldByCount.get(i);
                if (next == null || h.due < next.due || (h.due == next.due && h.order < next.order)) {
                    next = h;
                    heldIndex = i;
                }
            }
            if (next == null || next.due > nowNanos) {
                return n;
            }
            if (heldIndex >= 0) {
                heldByCount.remove(heldIndex);
            } else {
                scheduled.poll();
            }
            emit(next, next.due, sink);
            n++;
            if (!next.held && !heldByCount.isEmpty()) {
                n += releaseOvertaken(next, sink);
            }
            recycle(next);
        }
    }

    /** A frame was delivered: held frames it overtook count it, and those whose count is complete follow it. */
    private int releaseOvertaken(Frame overtaker, Sink sink) {
        int n = 0;
        for (int i = 0; i < heldByCount.size(); ) {
            Frame h = heldByCount.get(i);
            if (overtaker.due >= h.nominal && --h.holdCount == 0) {
                heldByCount.remove(i);
                emit(h, overtaker.due, sink);
                recycle(h);
                n++;
            } else {
                i++;
            }
        }
        return n;
    }

    private void emit(Frame f, long at, Sink sink) {
        delivered++;
        deliveredBytes += f.length;
        if (!sink.deliver(f.view, f.length, at)) {
            sinkDrops++;
        }
    }

    private void recycle(Frame f) {
        if (pool.size() < 4096) {
            pool.push(f);
        }
    }

    /** When the next frame is due, or {@code Long.MAX_VALUE} when the path is empty. */
    public long nextDeadline() {
        Frame head = scheduled.peek();
        long next = head == null ? Long.MAX_VALUE : head.due;
        for (int i = 0; i < heldByCount.size(); i++) {
            next = Math.min(next, heldByCount.get(i).due);
        }
        return next;
    }

    /** Frames inside the path: queued, on the wire, or held back. */
    public int inFlight() {
        return scheduled.size() + heldByCount.size();
    }

    /** Frames offered to the path. */
    public long offered() { return offered; }
    /** Bytes offered to the path. */
    public long offeredBytes() { return offeredBytes; }
    /** Frames handed to a sink (duplicates included). */
    public long delivered() { return delivered; }
    /** Bytes handed to a sink. */
    public long deliveredBytes() { return deliveredBytes; }
    /** Frames dropped because the bottleneck queue was full (drop-tail). */
    public long queueDrops() { return queueDrops; }
    /** Frames lost at random (Bernoulli). */
    public long randomLosses() { return randomLosses; }
    /** Frames lost by the Gilbert–Elliott burst model. */
    public long burstLosses() { return burstLosses; }
    /** Frames with one bit flipped. */
    public long corrupted() { return corrupted; }
    /** Extra copies delivered. */
    public long duplicated() { return duplicated; }
    /** Frames held back for reordering. */
    public long reordered() { return reordered; }
    /** Frames the sink refused (receiver ring full). */
    public long sinkDrops() { return sinkDrops; }

    @Override
    public String toString() {
        return "offered=" + offered + " delivered=" + delivered + " queueDrops=" + queueDrops + " randomLosses=" + randomLosses
                + " burstLosses=" + burstLosses + " corrupted=" + corrupted + " duplicated=" + duplicated
                + " reordered=" + reordered + " sinkDrops=" + sinkDrops + " inFlight=" + inFlight();
    }
}
