package io.tapwire.apps;

import io.tapwire.StackConfig;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.MacAddress;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The stack and TAP options of {@code tapwire up}, as a picocli mixin for commands that attach a
 * stack to a TAP without up's services ({@code tapwire run}).
 */
public final class StackTapOptions {
    @Option(names = "--tap", defaultValue = "tap0", description = "TAP interface name (default: ${DEFAULT-VALUE}).")
    String tap;

    @Option(names = "--addr", defaultValue = "10.0.0.2/24",
            description = "The stack's IPv4 address and prefix length (default: ${DEFAULT-VALUE}).")
    String addr;

    @Option(names = "--gateway", description = "Default gateway for destinations off the subnet (default: none).")
    String gateway;

    @Option(names = "--mac", description = "The stack's Ethernet address (default: a random locally administered one).")
    String mac;

    @Option(names = "--mtu", description = "IP MTU (default: the TAP's MTU on the Linux side, 1500 for a new TAP); "
            + "must not exceed the TAP's MTU.")
    Integer mtuOption;

    /** The MTU in effect: --mtu, else the TAP's (resolved when the TAP is opened). */
    int mtu = TapMtu.DEFAULT;

    @Option(names = "--ring-size", defaultValue = "256", description = "Descriptors per RX and TX ring, a power of two (default: ${DEFAULT-VALUE}).")
    int ringSize;

    @Option(names = "--no-offload", description = "Open the TAP without offloads: no virtio-net header, every frame "
            + "wire-sized with a full checksum (by default the kernel and the stack exchange TCP super-frames of up to "
            + "64 KB with partial checksums, as with a NIC's TSO/GRO).")
    boolean noOffload;

    @Option(names = "--addr6", paramLabel = "ADDR/LEN",
            description = "The stack's static IPv6 address and prefix length, e.g. fd00::2/64 (default: none; "
                    + "IPv6 then stays off). A link-local address from the MAC is added.")
    String addr6;

    @Option(names = "--busy-poll", paramLabel = "MICROS",
            description = "After the last frame, keep polling the TAP for MICROS microseconds before sleeping, every time "
                    + "(like SO_BUSY_POLL); without it the stack thread spins up to 200 us with a budget that adapts; 0 never spins.")
    Long busyPollMicros;

    @Option(names = "--tap-tx", paramLabel = "PATH",
            description = "How frames are written to the TAP: 'io_uring' (a batch of frames per io_uring_enter) or 'write' "
                    + "(one write(2) per frame); default: " + io.tapwire.tap.TapDevice.DEFAULT_TX_PATH + ".")
    String tapTx;

    /**
     * {@code --tap-tx PATH}: the transmit path TAP devices opened from now on start with
     * ({@link io.tapwire.tap.TapDevice#TX_PATH_PROPERTY}).
     */
    static void tapTx(String path) {
        if (!path.equals("io_uring") && !path.equals("write")) {
            throw new IllegalArgumentException("--tap-tx must be io_uring or write, got '" + path + "'");
        }
        System.setProperty(io.tapwire.tap.TapDevice.TX_PATH_PROPERTY, path);
    }

    /** Applies {@code --busy-poll} to a runner not yet started. */
    public io.tapwire.StackRunner busyPoll(io.tapwire.StackRunner runner) {
        return busyPoll(runner, busyPollMicros);
    }

    /**
     * {@code --busy-poll MICROS} on a runner not yet started: null keeps the adaptive default, 0
     * never spins, else a fixed spin (tapwire up and tapwire run share it).
     */
    static io.tapwire.StackRunner busyPoll(io.tapwire.StackRunner runner, Long micros) {
        if (micros != null && micros < 0) {
            throw new IllegalArgumentException("--busy-poll must be 0 or more microseconds, got " + micros);
        }
        return micros == null ? runner : micros == 0 ? runner.busyPollNanos(0) : runner.fixedBusyPollNanos(micros * 1_000);
    }

    @Option(names = "--pcap", paramLabel = "FILE", description = "Record every frame in both directions to this pcap file.")
    Path pcap;

    @Option(names = "--netns", paramLabel = "NAME", description = "Open the TAP inside this existing network namespace (ip netns add NAME).")
    String netns;

    /** Sets {@code config}'s IPv6 address from {@code --addr6 ADDR[/LEN]}; nothing when null. */
    public static void applyAddr6(String addr6, StackConfig config) {
        if (addr6 == null) {
            return;
        }
        String[] p6 = addr6.split("/", 2);
        config.address6 = io.tapwire.wire.Ipv6Address.parse(p6[0]);
        if (p6.length == 2) {
            try {
                config.prefixLength6 = Integer.parseInt(p6[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--addr6 " + addr6 + ": prefix length must be a number, e.g. fd00::2/64");
            }
        }
    }

    /** The stack's settings from the options. */
    StackConfig config() {
        StackConfig config = new StackConfig();
        String[] parts = addr.split("/", 2);
        config.address = Ipv4Address.parse(parts[0]);
        if (parts.length == 2) {
            try {
                config.prefixLength = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--addr " + addr + ": prefix length must be a number, e.g. 10.0.0.2/24");
            }
        }
        applyAddr6(addr6, config);
        if (gateway != null) {
            config.gateway = Ipv4Address.parse(gateway);
        }
        if (mac != null) {
            config.mac = MacAddress.parse(mac);
        }
        config.validate();
        return config;
    }
}
