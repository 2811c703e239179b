package io.tapwire.nio;

import io.tapwire.Stack;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The local end a client socket channel took with {@code bind} before connecting: the address it
 * named and the port it holds. Linux takes the port at bind ({@code inet_csk_get_port}; port 0
 * picks a free one of {@code ip_local_port_range}), so {@code getLocalAddress} reports it before
 * connect, the connection leaves from it, and the port stays held until the channel closes.
 */
final class ClientBinding {
    private final Stack stack;
    /** The port bind took, 0 when none (or given back). */
    private volatile int port;
    private boolean reuse;
    /** The address bind named, null for the wildcard. */
    private volatile InetAddress address;

    ClientBinding(Stack stack) {
        this.stack = stack;
    }

    /** Checks that {@code local} names one of the stack's addresses (or the wildcard) and takes its port. */
    void bind(InetSocketAddress local, boolean reuseAddress) throws BindException {
        io.tapwire.wire.Ipv6Address v6 = NioAddresses.toIpv6(local.getAddress());
        if (v6 != null) {
            if (!stack.ipv6Enabled() || !stack.ipv6Addresses().isOurs(v6.hi(), v6.lo())) {
                throw new BindException("Cannot assign requested address");
            }
        } else {
            int addr = NioAddresses.toIpv4(local.getAddress());
            if (addr != 0 && addr != stack.config().address) {
                throw new BindException("Cannot assign requested address");
            }
        }
        port = stack.tcp().bindPort(local.getPort(), reuseAddress);
        reuse = reuseAddress;
        address = local.getAddress().isAnyLocalAddress() ? null : local.getAddress();
    }

    /** The port bind took, 0 when the channel was not bound by bind. */
    int port() {
        return port;
    }

    /** The bound address and port, as getLocalAddress reports them before connect. */
    InetSocketAddress local() {
        InetAddress a = address;
        return new InetSocketAddress(a != null ? a : NioAddresses.toInet(0), port);
    }

    /** Gives the port back (on close); idempotent. */
    void release() {
        int p = port;
        if (p != 0) {
            port = 0;
            stack.tcp().releaseBoundPort(p, reuse);
        }
    }
}
