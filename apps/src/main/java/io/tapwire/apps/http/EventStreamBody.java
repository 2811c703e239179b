package io.tapwire.apps.http;

import io.tapwire.apps.dash.DashboardSampler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The dashboard's {@code text/event-stream} (Server-Sent Events, HTML Living Standard section
 * 9.2.5): a {@code retry} field, then every kept sample of the {@link DashboardSampler} as one
 * {@code sample} event ({@code id: SEQ}, {@code data: JSON}), oldest first, then each new one as it
 * is taken. A {@code Last-Event-ID} from a reconnecting browser resumes after that sample. The
 * stream ends after {@code maxEvents} events; EventSource reconnects by itself.
 */
final class EventStreamBody implements LiveBody {
    private static final byte[] PREAMBLE = "retry: 1000\n\n".getBytes(StandardCharsets.US_ASCII);

    private final DashboardSampler sampler;
    private final long maxEvents;
    private long lastSeq;
    private long sent;
    private byte[] pending = PREAMBLE;
    private int offset;
    private boolean idle;

    EventStreamBody(DashboardSampler sampler, long afterSeq, long maxEvents) {
        this.sampler = sampler;
        this.lastSeq = afterSeq;
        this.maxEvents = maxEvents;
        sampler.touch();
    }

    @Override
    public boolean writeTo(ByteSink sink, byte[] scratch) throws IOException {
        idle = false;
        while (true) {
            if (pending != null) {
                int n = sink.write(pending, offset, pending.length - offset);
                offset += n;
                if (offset < pending.length) {
                    return false; // the sink is full
                }
                pending = null;
                offset = 0;
            }
            if (sent >= maxEvents) {
                return true;
            }
            sampler.touch();
            DashboardSampler.Sample s = sampler.next(lastSeq);
            if (s == null) {
                idle = true;
                return false;
            }
            lastSeq = s.seq();
            sent++;
            pending = ("event: sample\nid: " + s.seq() + "\ndata: " + s.json() + "\n\n").getBytes(StandardCharsets.UTF_8);
        }
    }

    @Override
    public boolean idle() {
        return idle;
    }

    @Override
    public long pollNanos() {
        return sampler.periodMillis() * 1_000_000L / 2;
    }
}
