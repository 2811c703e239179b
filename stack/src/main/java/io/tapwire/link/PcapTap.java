package io.tapwire.link;

/**
 * A device wrapper that records both directions to a pcap file: every frame the inner device
 * delivers on RX and every frame the stack hands it on TX. It shares the inner device's rings, so
 * the stack sees no difference; recording happens inside {@link #doWork}, on the driver thread.
 *
 * <p>With offloads the file still holds what would cross a wire: super-segments are recorded cut
 * into their segments and partial checksums completed ({@link GsoSegmenter}), so captures replay on
 * any stack and decode cleanly. ({@code tcpdump -i tap0} on the Linux side shows the super-frames.)
 */
public final class PcapTap implements NetDevice {
    private final NetDevice inner;
    private final PcapWriter writer;
    private final long epochOffsetNanos;
    private long rxSeen;
    private long txSeen;
    private final GsoSegmenter segmenter;
    private final GsoSegmenter.Sink record = this::record;
    private long recordNanos;

    /**
     * @param epochOffsetNanos added to the clock's nanoseconds to get Unix-epoch nanoseconds for the file
     */
    public PcapTap(NetDevice inner, PcapWriter writer, long epochOffsetNanos) {
        this.inner = inner;
        this.writer = writer;
        this.epochOffsetNanos = epochOffsetNanos;
        this.rxSeen = inner.rxRing().producerPosition();
        this.txSeen = inner.txRing().consumerPosition();
        this.segmenter = new GsoSegmenter(Math.max(inner.rxRing().frameCapacity(), inner.txRing().frameCapacity()));
    }

    private void record(java.nio.ByteBuffer frame, int length) {
        writer.write(frame, 0, length, recordNanos);
    }

    @Override public String name() { return inner.name(); }
    @Override public int mtu() { return inner.mtu(); }
    @Override public DescriptorRing rxRing() { return inner.rxRing(); }
    @Override public DescriptorRing txRing() { return inner.txRing(); }
    @Override public long nextDeadline() { return inner.nextDeadline(); }
    // Sleeping and waking are the inner device's: without these a runner over a pcap tap spun.
    @Override public void await(long timeoutNanos) { inner.await(timeoutNanos); }
    @Override public void wakeup() { inner.wakeup(); }
    @Override public void wakeAt(long deadlineNanos) { inner.wakeAt(deadlineNanos); }
    /** The inner device's: the capture then shows super-segments as they leave, as tcpdump does on Linux. */
    @Override public LinkOffloads offloads() { return inner.offloads(); }

    @Override
    public int doWork(long nowNanos) {
        DescriptorRing tx = inner.txRing();
        // Record what the stack queued before the inner device sends (and may complete) it.
        long txEnd = tx.producerPosition();
        for (long s = Math.max(txSeen, tx.consumerPosition()); s < txEnd; s++) {
            recordNanos = nowNanos + epochOffsetNanos;
            Descriptor d = tx.at(s);
            d.materialize();   // the capture needs the payload in the frame (the device then writes it from there)
            segmenter.emit(d, record);
        }
        txSeen = txEnd;
        int moved = inner.doWork(nowNanos);
        DescriptorRing rx = inner.rxRing();
        long rxEnd = rx.producerPosition();
        for (long s = rxSeen; s < rxEnd; s++) {
            Descriptor d = rx.at(s);
            recordNanos = d.timestampNanos() + epochOffsetNanos;
            segmenter.emit(d, record);
        }
        rxSeen = rxEnd;
        if (moved > 0) {
            writer.flush();
        }
        return moved;
    }

    @Override
    public void close() {
        try {
            writer.close();
        } finally {
            inner.close();
        }
    }
}
