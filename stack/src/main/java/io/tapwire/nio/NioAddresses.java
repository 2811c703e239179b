package io.tapwire.nio;

import io.tapwire.tcp.Ipv6Endpoints;
import io.tapwire.tcp.Tcb;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.Ipv6Address;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

/**
 * Converts between {@code java.net} addresses and the stack's addresses (IPv4 as ints in host
 * order, IPv6 as {@link Ipv6Address}),
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
     * @throws UnsupportedAddressTypeException for other IPv6 addresses (see {@link #toIpv6})
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

    /**
     * The IPv6 address of {@code a} when it is one the stack must reach over IPv6: an
     * {@link Inet6Address} that is neither the wildcard nor IPv4-mapped (those go through
     * {@link #toIpv4}); null otherwise.
     */
    static Ipv6Address toIpv6(InetAddress a) {
        if (!(a instanceof Inet6Address) || a.isAnyLocalAddress()) {
            return null;
        }
        byte[] b = a.getAddress();
        if (isMapped(b)) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.wrap(b);
        return new Ipv6Address(buf.getLong(0), buf.getLong(8));
    }

    static InetAddress toInet(Ipv6Address address) {
        byte[] b = ByteBuffer.allocate(16).putLong(address.hi()).putLong(address.lo()).array();
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are always an IPv6 address", e);
        }
    }

    /** A connection's local end, over IPv6 or IPv4 as the connection runs. */
    static InetSocketAddress local(Tcb tcb) {
        Ipv6Endpoints v6 = tcb.ipv6();
        return v6 != null ? new InetSocketAddress(toInet(v6.local()), tcb.localPort()) : toSocketAddress(tcb.localAddress(), tcb.localPort());
    }

    /** A connection's remote end, over IPv6 or IPv4 as the connection runs. */
    static InetSocketAddress remote(Tcb tcb) {
        Ipv6Endpoints v6 = tcb.ipv6();
        return v6 != null ? new InetSocketAddress(toInet(v6.remote()), tcb.remotePort()) : toSocketAddress(tcb.remoteAddress(), tcb.remotePort());
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
