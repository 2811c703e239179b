package io.tapwire.pcap.replay;

import io.tapwire.Statistics;
import io.tapwire.link.VirtualDevice;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Replays a scenario on virtual time: a fresh stack with the scenario's settings on a
 * {@link VirtualDevice}, the scenario's apps, every input frame delivered at its recorded time,
 * and a step of the {@link ScenarioHost} at every input time, every timer deadline the stack
 * returns, every app deadline and every timeline action, up to the recording's end. Every frame
 * the stack emits is captured with the virtual time of its poll.
 *
 * <p>Deterministic: the same scenario gives byte-identical output with identical times.
 */
public final class Replay {
    /** Steps at one instant beyond this mean the host cannot make progress. */
    private static final int MAX_STEPS_AT_ONE_TIME = 1000;

    /** What a replay produced. */
    public record Result(List<TimedFrame> emitted, Statistics statistics, long endNanos) {
    }

    private Replay() {
    }

    /** Replays {@code scenario}'s input with its own config. */
    public static Result run(Scenario scenario) {
        return run(scenario.config(), scenario.input());
    }

    /**
     * Replays {@code input} (times relative to the origin, in order) on a stack built from
     * {@code config}, until {@code config.endNanos()} (or the last input when that is 0).
     */
    public static Result run(ScenarioConfig config, List<TimedFrame> input) {
        VirtualDevice device = new VirtualDevice("replay0", config.mtu(), config.ringSize());
        List<TimedFrame> emitted = new ArrayList<>();
        ScenarioHost.FrameObserver observer = new ScenarioHost.FrameObserver() {
            @Override
            public void received(ByteBuffer frame, int length, long now) {
            }

            @Override
            public void transmitted(ByteBuffer frame, int length, long now) {
                byte[] copy = new byte[length];
                frame.get(0, copy);
                emitted.add(new TimedFrame(now, copy));
            }
        };
        long end = config.endNanos() > 0 ? config.endNanos() : input.isEmpty() ? 0 : input.get(input.size() - 1).timeNanos();
        try (ScenarioHost host = new ScenarioHost(device, config, observer)) {
            try {
                host.start();
            } catch (IOException e) {
                throw new UncheckedIOException("starting the scenario apps failed: " + e.getMessage(), e);
            }
            int next = 0;
            long now = 0;
            int stepsHere = 0;
            while (true) {
                while (next < input.size() && input.get(next).timeNanos() <= now) {
                    byte[] f = input.get(next).bytes();
                    if (!device.inject(f, now)) {
                        break; // RX ring full: the rest waits for the stack to consume
                    }
                    next++;
                }
                long wanted = host.step(now);
                device.drainTransmitted();
                long nextInput = next < input.size() ? Math.max(now, input.get(next).timeNanos()) : Long.MAX_VALUE;
                long t = Math.min(wanted, nextInput);
                if (t <= now) {
                    if (++stepsHere > MAX_STEPS_AT_ONE_TIME) {
                        throw new IllegalStateException("replay makes no progress at " + now + " ns");
                    }
                    t = now;
                } else {
                    stepsHere = 0;
                }
                if (t > end) {
                    break;
                }
                now = t;
            }
            return new Result(emitted, host.stack().statistics(), end);
        }
    }
}
