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

    @Option(names = "--mtu", defaultValue = "1500", description = "IP MTU (default: ${DEFAULT-VALUE}); "
            + "must not exceed the TAP's MTU on the Linux side.")
    int mtu;

    @Option(names = "--ring-size", defaultValue = "256", description = "Descriptors per RX and TX ring, a power of two (default: ${DEFAULT-VALUE}).")
    int ringSize;

    @Option(names = "--pcap", paramLabel = "FILE", description = "Record every frame in both directions to this pcap file.")
    Path pcap;

    @Option(names = "--netns", paramLabel = "NAME", description = "Open the TAP inside this existing network namespace (ip netns add NAME).")
    String netns;

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
