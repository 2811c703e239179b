package io.tapwire.apps;

import io.tapwire.tap.Netns;

import java.time.Duration;

/**
 * The Linux baseline for benchmarks: two private namespaces joined by a veth pair, {@code veth0}
 * at {@value Sandbox#HOST_ADDRESS}/24 in {@link #host()} and {@code veth1} at
 * {@value Sandbox#STACK_ADDRESS}/24 in {@link #peer()}, so the kernel answers where tapwire would.
 * Both ends are created inside the namespaces; the root namespace is never touched.
 */
public final class VethPair implements AutoCloseable {
    private static final Duration LINK_UP_TIMEOUT = Duration.ofSeconds(5);

    private final Netns host;
    private final Netns peer;

    private VethPair(Netns host, Netns peer) {
        this.host = host;
        this.peer = peer;
    }

    /** Creates both namespaces and the veth pair, and waits until the link is up. */
    public static VethPair create() {
        Netns host = Netns.create();
        Netns peer = null;
        try {
            peer = Netns.create();
            VethPair pair = new VethPair(host, peer);
            pair.setUp();
            return pair;
        } catch (RuntimeException | Error e) {
            closeBoth(host, peer, e);
            throw e;
        }
    }

    private void setUp() {
        // Run inside the host namespace: veth0 is born there and veth1 straight in the peer's.
        host.run("ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1", "netns", peer.name());
        host.run("ip", "addr", "add", Sandbox.HOST_ADDRESS + "/" + Sandbox.PREFIX_LENGTH, "dev", "veth0");
        peer.run("ip", "addr", "add", Sandbox.STACK_ADDRESS + "/" + Sandbox.PREFIX_LENGTH, "dev", "veth1");
        host.run("ip", "link", "set", "veth0", "up");
        peer.run("ip", "link", "set", "veth1", "up");
        long deadline = System.nanoTime() + LINK_UP_TIMEOUT.toNanos();
        String state = "";
        while (System.nanoTime() < deadline) {
            state = host.run("ip", "-o", "link", "show", "dev", "veth0");
            if (state.contains("LOWER_UP")) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for veth0", e);
            }
        }
        throw new IllegalStateException("veth0 did not come up within " + LINK_UP_TIMEOUT.toSeconds() + " s: " + state.strip());
    }

    /** The namespace with veth0 at 10.0.0.1: run the client tools here. */
    public Netns host() {
        return host;
    }

    /** The namespace with veth1 at 10.0.0.2. */
    public Netns peer() {
        return peer;
    }

    /** Deletes both namespaces (the veth pair goes with them). */
    @Override
    public void close() {
        RuntimeException failure = null;
        try {
            peer.close();
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            host.close();
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void closeBoth(Netns host, Netns peer, Throwable cause) {
        for (Netns ns : new Netns[] {peer, host}) {
            if (ns != null) {
                try {
                    ns.close();
                } catch (RuntimeException e) {
                    cause.addSuppressed(e);
                }
            }
        }
    }
}
