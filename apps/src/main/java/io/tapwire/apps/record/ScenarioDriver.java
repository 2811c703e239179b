package io.tapwire.apps.record;

import io.tapwire.pcap.replay.ScenarioConfig;
import io.tapwire.pcap.replay.TimedFrame;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * How to record one scenario: what runs on the stack (its apps and timeline), how the Linux side
 * of the namespace is set up, and the Linux commands that make up the session.
 *
 * <p>Command words may contain {@code {ORIGIN}}, replaced by the origin of the stack's clock in
 * {@code CLOCK_MONOTONIC} nanoseconds (what Python's {@code time.monotonic_ns()} reads), so a
 * script can act at a time the app timeline also uses.
 */
public final class ScenarioDriver {
    /** One Linux command; {@code mustSucceed}: a non-zero exit fails the recording. */
    public record Step(List<String> command, boolean mustSucceed, Duration timeout) {
    }

    final String name;
    final String description;
    Consumer<ScenarioConfig> configure = c -> { };
    int stackMtu = 1500;
    int linuxMtu;
    final List<List<String>> setup = new ArrayList<>();
    final List<Step> steps = new ArrayList<>();
    Duration settle = Duration.ofMillis(300);
    int dropTxDataEvery;
    /** Both sides get IPv6 addresses (the stack fd00::2, Linux fd00::1) and the steps wait for the stack's DAD. */
    boolean ipv6;
    BiFunction<List<TimedFrame>, List<TimedFrame>, String> verify = (in, out) -> null;

    ScenarioDriver(String name, String description) {
        this.name = name;
        this.description = description;
    }

    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    /** Apps, timeline and stack settings on top of the recorder's defaults. */
    ScenarioDriver configure(Consumer<ScenarioConfig> c) {
        Consumer<ScenarioConfig> before = configure;
        configure = before.andThen(c);
        return this;
    }

    /** IP MTU of both sides. */
    /** An IPv6 scenario: the stack gets fd00::2/64 ({@code stack.address6}), Linux fd00::1/64. */
    ScenarioDriver ipv6() {
        this.ipv6 = true;
        // DAD at once and one MLD report, as the scenarios were first recorded (the recorder waits
        // 1.3 s for DAD), rather than Linux's random DAD delay and repeated report.
        return configure(c -> c.stack("address6", Recorder.STACK_ADDRESS6).stack("rtrSolicitDelayNanos", 0).stack("mldQrv", 1));
    }

    ScenarioDriver mtu(int mtu) {
        this.stackMtu = mtu;
        return this;
    }

    /** IP MTU of the Linux side only (the stack keeps its own). */
    ScenarioDriver linuxMtu(int mtu) {
        this.linuxMtu = mtu;
        return this;
    }

    /** A command run in the namespace after the address is set and the link is up (e.g. {@code tc}). */
    ScenarioDriver setup(String... cmd) {
        setup.add(List.of(cmd));
        return this;
    }

    ScenarioDriver run(String... cmd) {
        steps.add(new Step(List.of(cmd), true, Duration.ofSeconds(30)));
        return this;
    }

    /** A step whose exit status does not matter (e.g. a connection attempt to a closed port). */
    ScenarioDriver runMayFail(String... cmd) {
        steps.add(new Step(List.of(cmd), false, Duration.ofSeconds(30)));
        return this;
    }

    ScenarioDriver python(String script) {
        return run(Recorder.python(), "-c", script);
    }

    /** How long to keep recording after the last step (default 300 ms), for late timers. */
    ScenarioDriver settle(Duration d) {
        this.settle = d;
        return this;
    }

    /**
     * Loses every {@code n}th TCP segment with data that the stack sends, on the wire: the frame
     * is recorded as emitted, then its destination MAC is spoiled so the Linux side discards it.
     */
    ScenarioDriver dropTxDataEvery(int n) {
        this.dropTxDataEvery = n;
        return this;
    }

    /**
     * A check of the recorded session (input, emitted) that returns why it does not show what the
     * scenario is about, or null; the recorder then tries again.
     */
    ScenarioDriver verify(BiFunction<List<TimedFrame>, List<TimedFrame>, String> check) {
        this.verify = check;
        return this;
    }
}
