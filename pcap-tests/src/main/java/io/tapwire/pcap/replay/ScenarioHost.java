package io.tapwire.pcap.replay;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.link.Descriptor;
import io.tapwire.link.DescriptorRing;
import io.tapwire.link.NetDevice;
import io.tapwire.pcap.replay.app.ScenarioApp;
import io.tapwire.pcap.replay.app.ScenarioApps;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A stack, its scenario apps and their timeline, stepped the same way by the recorder (on a real
 * TAP, real time) and by the replay (on a {@code VirtualDevice}, virtual time). This shared loop
 * is what makes a replay reproduce a recording:
 *
 * <ol>
 *   <li>timeline actions due at {@code now} run first, then every app steps (timed app work due
 *       at or before {@code now} happens before the frames received since are processed, as
 *       stack timers do);</li>
 *   <li>{@code Stack.poll(now)}: timers, then the received frames in the RX ring, then output;</li>
 *   <li>every app steps (non-blocking socket calls on this thread), and while an app did
 *       something or the stack has work left, poll and step again at the same {@code now}.</li>
 * </ol>
 *
 * <p>The observer sees each received frame with the time of the poll that consumed it, and each
 * emitted frame with the time of the poll that emitted it. That is why the recorder's
 * {@code input.pcap} can be replayed exactly: a frame's timestamp is the stack's clock when it was
 * processed, not when the device read it. The driver moves frames between the device and the
 * medium between steps, never inside one.
 */
public final class ScenarioHost implements AutoCloseable {
    /** Receives every frame the stack consumed or emitted, with the poll time. Buffers are only valid during the call. */
    public interface FrameObserver {
        void received(ByteBuffer frame, int length, long nowNanos);

        void transmitted(ByteBuffer frame, int length, long nowNanos);
    }

    /** More polls than this at one instant means the stack or an app spins; the step ends. */
    private static final int MAX_ROUNDS = 10_000;

    private final Stack stack;
    private final DescriptorRing rx;
    private final DescriptorRing tx;
    private final List<ScenarioApp> apps = new ArrayList<>();
    private final List<ScenarioConfig.Action> actions;
    private final FrameObserver observer;
    private int nextAction;
    private long lastStep = Long.MIN_VALUE;

    /**
     * Builds the stack on {@code device} with the scenario's settings and its apps (not started).
     */
    public ScenarioHost(NetDevice device, ScenarioConfig config, FrameObserver observer) {
        if (device.mtu() != config.mtu()) {
            throw new IllegalArgumentException("device MTU " + device.mtu() + " differs from the scenario's " + config.mtu());
        }
        StackConfig stackConfig = config.toStackConfig();
        stackConfig.tcpRxPlacement = false; // the observer reads every received frame whole
        this.stack = new Stack(device, stackConfig);
        this.rx = device.rxRing();
        this.tx = device.txRing();
        this.actions = config.actions();
        this.observer = observer;
        for (ScenarioConfig.AppSpec spec : config.apps()) {
            apps.add(ScenarioApps.create(spec));
        }
    }

    /** Opens the apps' sockets; call once, before the first {@link #step}. */
    public ScenarioHost start() throws IOException {
        for (ScenarioApp app : apps) {
            app.start(stack);
        }
        return this;
    }

    public Stack stack() {
        return stack;
    }

    /**
     * Does everything due at {@code now} (see the class comment).
     *
     * @return the next time this host wants a step: a stack timer, an app's deadline, the next
     *     action, or {@code now} itself when output is blocked on a full TX ring
     */
    public long step(long now) {
        if (now < lastStep) {
            throw new IllegalArgumentException("time went backwards: step(" + now + ") after step(" + lastStep + ")");
        }
        lastStep = now;
        while (nextAction < actions.size() && actions.get(nextAction).timeNanos() <= now) {
            ScenarioConfig.Action a = actions.get(nextAction++);
            apps.get(a.app() - 1).action(a.verb(), now);
        }
        // Apps step before the poll too, so a timed app write due at or before now is queued
        // before the frames that arrived since: the replay, which steps exactly at the app's
        // deadline, sees the same order even when the recording got to the deadline late.
        for (ScenarioApp app : apps) {
            app.step(now);
        }
        long deadline = Long.MAX_VALUE;
        int idle = 0;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            long rx0 = rx.consumerPosition();
            long tx0 = tx.producerPosition();
            deadline = stack.poll(now);
            long rx1 = rx.consumerPosition();
            long tx1 = tx.producerPosition();
            for (long s = rx0; s < rx1; s++) {
                Descriptor d = rx.at(s);
                observer.received(d.buffer(), d.length(), now);
            }
            for (long s = tx0; s < tx1; s++) {
                Descriptor d = tx.at(s);
                d.materialize(); // a payload the device would gather from the send ring joins the frame
                observer.transmitted(d.buffer(), d.length(), now);
            }
            boolean appWork = false;
            for (ScenarioApp app : apps) {
                appWork |= app.step(now);
            }
            if (!appWork && deadline > now) {
                break;
            }
            boolean progress = appWork || rx1 != rx0 || tx1 != tx0;
            // No progress while the stack still wants to run: its output waits for TX ring room,
            // which only the driver can free.
            if (!progress && ++idle >= 2) {
                break;
            }
        }
        long next = deadline;
        for (ScenarioApp app : apps) {
            next = Math.min(next, app.nextDeadline());
        }
        if (nextAction < actions.size()) {
            next = Math.min(next, actions.get(nextAction).timeNanos());
        }
        return next;
    }

    @Override
    public void close() {
        for (ScenarioApp app : apps) {
            app.close();
        }
    }
}
