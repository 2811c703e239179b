package io.tapwire.apps.impair;

import io.tapwire.apps.Sandbox;
import io.tapwire.link.LinkProfile;
import io.tapwire.tap.Netns;
import io.tapwire.tap.TapDevice;
import io.tapwire.time.Clock;

import java.time.Duration;

/**
 * The Linux ↔ Linux baseline through an impaired link: two private namespaces, each with a TAP
 * ({@code tap0}), {@value Sandbox#HOST_ADDRESS}/24 in {@link #host()} and
 * {@value Sandbox#STACK_ADDRESS}/24 in {@link #peer()} (where tapwire would be), joined by an
 * {@link ImpairRelay}. Frames from the host side meet {@code hostToPeer}, as frames from Linux to
 * tapwire meet {@code tapwire up --impair-in}. Both TAPs are plain (no offloads): the kernel hands
 * the relay wire-sized frames. Everything is deleted on {@link #close()}, also when starting fails.
 */
public final class RelayedPair implements AutoCloseable {
    private static final Duration LINK_UP_TIMEOUT = Duration.ofSeconds(5);
    private static final String TAP = "tap0";

    private final Netns host;
    private final Netns peer;
    private TapDevice hostTap;
    private TapDevice peerTap;
    private ImpairRelay relay;

    private RelayedPair(Netns host, Netns peer) {
        this.host = host;
        this.peer = peer;
    }

    /** Creates both namespaces and TAPs, starts the relay and waits until both links are up. */
    public static RelayedPair start(LinkProfile hostToPeer, LinkProfile peerToHost, long seed) {
        Netns.canCreate().ifPresent(reason -> {
            throw new IllegalStateException("cannot create the network sandbox: " + reason);
        });
        Netns host = Netns.create();
        Netns peer = null;
        RelayedPair pair = null;
        try {
            peer = Netns.create();
            pair = new RelayedPair(host, peer);
            pair.open(hostToPeer, peerToHost, seed);
            return pair;
        } catch (RuntimeException | Error e) {
            if (pair != null) {
                try {
                    pair.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            } else {
                try {
                    host.close();
                    if (peer != null) {
                        peer.close();
                    }
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private void open(LinkProfile hostToPeer, LinkProfile peerToHost, long seed) {
        hostTap = TapDevice.openInNetns(host.name(), TAP, 1500, 256);
        peerTap = TapDevice.openInNetns(peer.name(), TAP, 1500, 256);
        host.run("ip", "addr", "add", Sandbox.HOST_ADDRESS + "/" + Sandbox.PREFIX_LENGTH, "dev", TAP);
        peer.run("ip", "addr", "add", Sandbox.STACK_ADDRESS + "/" + Sandbox.PREFIX_LENGTH, "dev", TAP);
        host.run("ip", "link", "set", TAP, "up");
        peer.run("ip", "link", "set", TAP, "up");
        relay = new ImpairRelay(hostTap, peerTap, hostToPeer, peerToHost, seed, Clock.SYSTEM).start();
        awaitUp(host);
        awaitUp(peer);
    }

    private static void awaitUp(Netns ns) {
        long deadline = System.nanoTime() + LINK_UP_TIMEOUT.toNanos();
        String state = "";
        while (System.nanoTime() < deadline) {
            state = ns.run("ip", "-o", "link", "show", "dev", TAP);
            if (state.contains("LOWER_UP")) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + TAP, e);
            }
        }
        throw new IllegalStateException(TAP + " in " + ns.name() + " did not come up within "
                + LINK_UP_TIMEOUT.toSeconds() + " s: " + state.strip());
    }

    /** The namespace at 10.0.0.1. */
    public Netns host() {
        return host;
    }

    /** The namespace at 10.0.0.2. */
    public Netns peer() {
        return peer;
    }

    /** The relay between the two TAPs (its paths' counters). */
    public ImpairRelay relay() {
        return relay;
    }

    /** Stops the relay, closes both TAPs and deletes both namespaces; every step runs. */
    @Override
    public void close() {
        RuntimeException failure = null;
        Runnable[] steps = {
            () -> { if (relay != null) relay.close(); },
            () -> { if (hostTap != null) hostTap.close(); },
            () -> { if (peerTap != null) peerTap.close(); },
            host::close,
            peer::close,
        };
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
