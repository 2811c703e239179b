package io.tapwire.apps.impair;

import io.tapwire.link.LinkProfile;
import io.tapwire.tap.TapDevice;
import io.tapwire.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code tapwire relay}: an impaired wire between two TAPs in two namespaces, so Linux talks to
 * Linux through the same fault injector {@code tapwire up --impair} puts in front of tapwire.
 */
@Command(name = "relay",
        mixinStandardHelpOptions = true,
        description = {
            "Relay Ethernet frames between two TAPs, each in its own network namespace, through the fault injector:",
            "a Linux <-> Linux baseline that crosses the same impairment as 'tapwire up --impair'. Runs until Ctrl-C,",
            "then prints what the impairment did. The TAPs carry plain wire-sized frames (no TSO/GSO). For example:",
            "  ip netns add a; ip netns add b",
            "  tapwire relay --netns-a a --netns-b b --impair delay=20ms,loss=1%%,reorder=5%%,rate=100mbit &",
            "  ip -n a addr add 10.0.0.1/24 dev tap0; ip -n a link set tap0 up",
            "  ip -n b addr add 10.0.0.2/24 dev tap0; ip -n b link set tap0 up",
            "  ip netns exec a ping -c 3 10.0.0.2"
        })
public final class RelayCommand implements Callable<Integer> {
    @Option(names = "--netns-a", required = true, paramLabel = "NAME", description = "Namespace of the first TAP (made with ip netns add).")
    String netnsA;

    @Option(names = "--netns-b", required = true, paramLabel = "NAME", description = "Namespace of the second TAP.")
    String netnsB;

    @Option(names = "--tap-a", defaultValue = "tap0", description = "First TAP's name (default: ${DEFAULT-VALUE}).")
    String tapA;

    @Option(names = "--tap-b", defaultValue = "tap0", description = "Second TAP's name (default: ${DEFAULT-VALUE}).")
    String tapB;

    @Option(names = "--impair", paramLabel = "SPEC",
            description = "Impairment both ways, e.g. \"delay=20ms,loss=1%%,reorder=5%%,dup=0.1%%,corrupt=0.1%%,rate=100mbit\" "
                    + "(the keys of tapwire up --impair).")
    String both;

    @Option(names = "--impair-ab", paramLabel = "SPEC", description = "Impairment of frames from A's side to B's (overrides --impair).")
    String ab;

    @Option(names = "--impair-ba", paramLabel = "SPEC", description = "Impairment of frames from B's side to A's (overrides --impair).")
    String ba;

    @Option(names = "--impair-seed", defaultValue = "1", description = "Seed of the random choices (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        LinkProfile aToB;
        LinkProfile bToA;
        try {
            aToB = ImpairSpec.parse(ab != null ? ab : both);
            bToA = ImpairSpec.parse(ba != null ? ba : both);
        } catch (IllegalArgumentException e) {
            System.err.println("tapwire relay: " + e.getMessage());
            return 2;
        }
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
        }, "tapwire-relay-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        int exit = 0;
        try (TapDevice a = TapDevice.openInNetns(netnsA, tapA, 1500, 256);
             TapDevice b = TapDevice.openInNetns(netnsB, tapB, 1500, 256)) {
            ImpairRelay relay = new ImpairRelay(a, b, aToB, bToA, seed, Clock.SYSTEM).start();
            String nameA = netnsA + "/" + tapA;
            String nameB = netnsB + "/" + tapB;
            System.out.println("tapwire relay: " + nameA + " <-> " + nameB + "\n" + nameA + " -> " + nameB + ": "
                    + ImpairSpec.format(aToB) + "\n" + nameB + " -> " + nameA + ": " + ImpairSpec.format(bToA)
                    + "\nrelaying; Ctrl-C to stop");
            try {
                while (!stop.await(500, TimeUnit.MILLISECONDS)) {
                    if (!relay.isRunning()) {
                        System.err.println("tapwire relay: a relay thread stopped: " + relay.failure());
                        exit = 1;
                        break;
                    }
                }
            } finally {
                relay.close();
                System.out.println();
                System.out.print(relay.describe(nameA, nameB));
            }
        } finally {
            System.out.flush();
            stopped.countDown();
            if (stop.getCount() > 0) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // already running
                }
            }
        }
        return exit;
    }
}
