package io.tapwire.nio;

import io.tapwire.wire.Ipv4Address;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

/**
 * Converts between {@code java.net} addresses and the stack's IPv4 addresses (ints in host order),
 * with the checks the JDK's channels make ({@code sun.nio.ch.Net.checkAddress}).
 */
final class NioAddresses {
    private NioAddresses() {
    }

    /** The address a channel is given, checked as the JDK checks it. */
    static InetSocketAddress check(SocketAddress sa) {
        java.util.Objects.requireNonNull(sa);
        if (!(sa instanceof InetSocketAddress isa)) {
            throw new UnsupportedAddressTypeException();
        }
        if (isa.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        return isa;
    }

    /**
     * The IPv4 address as the stack's int: 0 for the wildcard (IPv4 {@code 0.0.0.0} or IPv6
     * {@code ::}, which a dual-stack JDK socket accepts IPv4 on), the embedded address of an
     * IPv4-mapped IPv6 address.
     *
     * @throws UnsupportedAddressTypeException for other IPv6 addresses (tapwire is IPv4 only for now)
     */
    static int toIpv4(InetAddress a) {
        if (a instanceof Inet4Address) {
            byte[] b = a.getAddress();
            return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
        }
        if (a instanceof Inet6Address && a.isAnyLocalAddress()) {
            return 0;
        }
        byte[] b = a.getAddress();
        if (b.length == 16 && isMapped(b)) {
            return ((b[12] & 0xFF) << 24) | ((b[13] & 0xFF) << 16) | ((b[14] & 0xFF) << 8) | (b[15] & 0xFF);
        }
        throw new UnsupportedAddressTypeException();
    }

    private static boolean isMapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF;
    }

    /** Whether {@code address} is in 127.0.0.0/8, which tapwire has no interface for. */
    static boolean isLoopback(int address) {
        return (address >>> 24) == 127;
    }

    static InetAddress toInet(int address) {
        byte[] b = {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 bytes are always an IPv4 address", e);
        }
    }

    static InetSocketAddress toSocketAddress(int address, int port) {
        return new InetSocketAddress(toInet(address), port);
    }

    static String toString(int address) {
        return Ipv4Address.toString(address);
    }
}
