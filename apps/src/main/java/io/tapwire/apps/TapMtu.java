package io.tapwire.apps;

import java.io.IOException;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MTU {@code tapwire up} and {@code tapwire run} use when {@code --mtu} is not given: the
 * TAP's own, as set on the Linux side ({@code ip link set tap0 mtu 65521}), so that a larger MTU
 * there takes effect without repeating it; 1500 (a new TAP's) when the device does not exist yet.
 * A TAP's MTU is the Linux side's choice, like a NIC's: the stack sizes its segments to it as
 * Linux's own TCP does to a device's MTU. (A large one matters on a TAP: a Linux client's first
 * send buffer is sized from its MSS, and at 1500 it cannot hold a 64 KiB write, so each write
 * waits for the stack's ACK.)
 */
final class TapMtu {
    /** A new TAP's MTU (tun's default, Ethernet's). */
    static final int DEFAULT = 1500;
    private static final int MAX = 65535;
    private static final Pattern MTU = Pattern.compile(" mtu (\\d+) ");

    private TapMtu() {
    }

    /**
     * {@code option} when given; otherwise the MTU of {@code tap} in network namespace
     * {@code netns} (null: this process's), at most 65,535 (IPv4's limit), or {@link #DEFAULT}
     * when the device is not there.
     */
    static int resolve(Integer option, String netns, String tap) {
        if (option != null) {
            return option;
        }
        OptionalInt found = netns == null ? inThisNamespace(tap) : inNamespace(netns, tap);
        return found.isPresent() ? Math.min(MAX, found.getAsInt()) : DEFAULT;
    }

    private static OptionalInt inThisNamespace(String tap) {
        try {
            NetworkInterface nif = NetworkInterface.getByName(tap);
            return nif == null ? OptionalInt.empty() : OptionalInt.of(nif.getMTU());
        } catch (SocketException e) {
            return OptionalInt.empty();
        }
    }

    /** Through {@code ip -n NETNS -o link show dev TAP}: this process is not in that namespace. */
    private static OptionalInt inNamespace(String netns, String tap) {
        try {
            Process p = new ProcessBuilder("ip", "-n", netns, "-o", "link", "show", "dev", tap).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return OptionalInt.empty();
            }
            return parse(out);
        } catch (IOException e) {
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        }
    }

    /** The MTU in a line of {@code ip -o link show}, if there is one. */
    static OptionalInt parse(String ipLinkLine) {
        Matcher m = MTU.matcher(ipLinkLine);
        return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }
}
