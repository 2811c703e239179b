package io.tapwire.sim;

import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * The input format of the raw receive-path fuzz targets: a sequence of records, each a two-byte
 * big-endian header and a frame. The header's low 11 bits are the frame length (0..2047; a record
 * cut short by the end of the input keeps what there is), the next 5 bits a time step taken before
 * the frame (an index into {@link #TIME_STEPS}, which reach the delayed ACK, RTO, FIN-WAIT-2,
 * TIME-WAIT and reassembly timeouts). The same bytes mean the same frames and times, so the
 * fuzzer's mutations of lengths, times and frame bytes are all visible, and seeds are easy to write
 * from recorded traffic.
 */
final class FrameRecords {
    static final int MAX_FRAME = 0x7FF;
    /** Time steps in milliseconds: 0, the delayed-ACK scale, RTOs, and the 30 s and 60 s timers. */
    static final long[] TIME_STEPS = {
        0, 1, 2, 5, 10, 20, 40, 100, 200, 250, 500, 1000, 1500, 2000, 3000, 5000,
        7000, 10_000, 15_000, 20_000, 30_000, 31_000, 45_000, 60_000, 61_000, 90_000, 120_000, 121_000, 200_000, 600_000,
        3_600_000, 7_300_000
    };

    private FrameRecords() {
    }

    /** Feeds the frames of {@code input} to {@code stack}, checking the invariants after each. */
    static void run(FuzzedStack stack, byte[] input) {
        int pos = 0;
        for (int step = 0; step < FuzzedStack.MAX_STEPS && pos + 2 <= input.length; step++) {
            int header = ((input[pos] & 0xFF) << 8) | (input[pos + 1] & 0xFF);
            pos += 2;
            int length = Math.min(header & MAX_FRAME, input.length - pos);
            long millis = TIME_STEPS[header >>> 11];
            if (millis > 0) {
                stack.advance(millis * 1_000_000L);
                stack.check("after a time step of " + millis + " ms");
            }
            byte[] frame = new byte[length];
            System.arraycopy(input, pos, frame, 0, length);
            pos += length;
            stack.inject(frame);
            stack.check("after frame " + step);
        }
    }

    /** Encodes frames with the time step before each (an index into {@link #TIME_STEPS}). */
    static byte[] encode(List<byte[]> frames, List<Integer> timeSteps) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < frames.size(); i++) {
            byte[] f = frames.get(i);
            if (f.length > MAX_FRAME) {
                throw new IllegalArgumentException("frame of " + f.length + " bytes; a record holds at most " + MAX_FRAME);
            }
            int header = (timeSteps.get(i) << 11) | f.length;
            out.write(header >>> 8);
            out.write(header & 0xFF);
            out.write(f, 0, f.length);
        }
        return out.toByteArray();
    }

    /** The index of the largest time step not above {@code millis}. */
    static int timeStepFor(long millis) {
        int best = 0;
        for (int i = 0; i < TIME_STEPS.length; i++) {
            if (TIME_STEPS[i] <= millis) {
                best = i;
            }
        }
        return best;
    }
}
