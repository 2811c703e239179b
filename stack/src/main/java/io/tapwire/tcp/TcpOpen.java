package io.tapwire.tcp;

import io.tapwire.event.Events;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.net.Interface;
import io.tapwire.time.TimerQueue;
import io.tapwire.wire.Ipv4Address;

import java.io.IOException;
import java.net.BindException;
import java.util.ArrayList;
import java.util.List;

/**
 * The OPEN call of RFC 9293 section 3.10.1, both ways: passive open (a listener on a port, with
 * Linux's bind rules for ports still in use) and active open (ephemeral port from
 * {@code ip_local_port_range} by {@link EphemeralPorts}, ISN, the first SYN), and closing a listener.
 */
final class TcpOpen {
    private final StackConfig config;
    private final Interface iface;
    private final Statistics stats;
    private final TimerQueue timerQueue;
    private final TcpOutput output;
    private final TcpLayer layer;
    private final EphemeralPorts ports;
    private final TimeWaitLimits timeWaits;

    TcpOpen(StackConfig config, Interface iface, Statistics stats, TimerQueue timerQueue, TcpOutput output, TcpLayer layer,
            TimeWaitLimits timeWaits) {
        this.config = config;
        this.iface = iface;
        this.stats = stats;
        this.timerQueue = timerQueue;
        this.output = output;
        this.layer = layer;
        this.timeWaits = timeWaits;
        this.ports = new EphemeralPorts(config, layer, timeWaits);
    }

    /** Opens a listener on {@code port}. */
    public ListenSocket listen(int address, int port, int backlog, int rcvbuf, int sndbuf, boolean nodelay, boolean reuseAddress,
                               boolean reusePort, boolean autotune, String congestionControl, boolean v6Only) throws IOException {
        return listen(address, port, backlog, rcvbuf, sndbuf, nodelay, reuseAddress, reusePort, autotune, congestionControl, v6Only, false);
    }

    /**
     * As above; with {@code freeBind} (IP_FREEBIND) an address that is not the stack's is accepted,
     * as Linux's inet_bind skips its EADDRNOTAVAIL check for a freebind socket.
     */
    public ListenSocket listen(int address, int port, int backlog, int rcvbuf, int sndbuf, boolean nodelay, boolean reuseAddress,
                               boolean reusePort, boolean autotune, String congestionControl, boolean v6Only, boolean freeBind)
            throws IOException {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("listening port must be 1..65535, got " + port);
        }
        if (address != 0 && address != iface.address() && !freeBind) {
            throw new BindException("cannot listen on " + Ipv4Address.toString(address) + ": not an address of this stack");
        }
        // Linux: min(backlog, somaxconn); a backlog of 0 still admits one connection.
        int limit = Math.max(1, Math.min(backlog, config.somaxconn));
        ListenSocket l = new ListenSocket(layer, address, port, limit, rcvbuf, sndbuf);
        l.nodelay = nodelay;
        l.autotune = autotune;
        l.congestionControl = congestionControl;
        l.reusePort = reusePort;
        l.v6Only = v6Only;
        if (!reuseAddress && !reusePort && layer.portInUse(port)) {
            // Linux: bind() fails with EADDRINUSE while connections (TIME_WAIT included) use the port.
            throw new BindException("address already in use: connections on TCP port " + port
                    + " still exist (TIME_WAIT lasts 60 s); set SO_REUSEADDR (SocketOptions.reuseAddress) to listen anyway");
        }
        if (!layer.addListener(l)) {
            throw new BindException("address already in use: TCP port " + port + " already has a listener"
                    + (reusePort ? " without SO_REUSEPORT" : "; to share it, set SO_REUSEPORT (SocketOptions.reusePort) on every listener"));
        }
        return l;
    }

    /** Closes a listener; connections it has not handed out are reset, as Linux does. */
    public void closeListener(ListenSocket l) {
        if (l.closed) {
            return;
        }
        l.closed = true;
        layer.removeListener(l);
        l.lock.lock();
        try {
            l.acceptable.signalAll();
            l.detachWaiters();
        } finally {
            l.lock.unlock();
        }
        layer.runOnStack(() -> {
            List<Tcb> children = new ArrayList<>();
            layer.forEachConnection(t -> {
                if (t.parent == l && !t.accepted) {
                    children.add(t);
                }
            });
            for (Tcb t : children) {
                t.lock.lock();
                try {
                    // Linux's inet_csk_listen_stop disconnects each child not yet accepted
                    // (inet_child_forget -> tcp_disconnect): a synchronized or Fast Open (SYN_RECV)
                    // child is reset by tcp_send_active_reset, RST+ACK with SEQ = SND.NXT and
                    // ACK = RCV.NXT; a handshake still pending (a request socket) is dropped
                    // silently, its peer's ACK then meeting no socket and a RST.
                    if (t.state.isSynchronized() || t.state == TcpState.SYN_RECEIVED && t.fastOpenChild) {
                        output.sendResetAck(t);
                    }
                    layer.release(t);
                } finally {
                    t.lock.unlock();
                }
            }
        });
    }

    /** Starts an active open; the returned connection is in SYN_SENT once the stack thread runs. */
    public Tcb connect(int remoteAddress, int remotePort, int rcvbuf, int sndbuf, boolean nodelay, boolean autotune,
                       String congestionControl, boolean fastOpen) {
        return connect(remoteAddress, remotePort, rcvbuf, sndbuf, nodelay, autotune, congestionControl, fastOpen, new SocketSettings());
    }

    /** {@link #connect(int, int, int, int, boolean, boolean, String, boolean)} with the socket's IP/TCP options. */
    public Tcb connect(int remoteAddress, int remotePort, int rcvbuf, int sndbuf, boolean nodelay, boolean autotune,
                       String congestionControl, boolean fastOpen, SocketSettings settings) {
        if (remotePort < 1 || remotePort > 65535) {
            throw new IllegalArgumentException("destination port must be 1..65535, got " + remotePort);
        }
        if (remoteAddress == 0 || iface.isBroadcast(remoteAddress) || Ipv4Address.isMulticast(remoteAddress)) {
            throw new IllegalArgumentException("cannot connect to " + Ipv4Address.toString(remoteAddress) + ": not a unicast address");
        }
        Tcb t = layer.newConnection(iface.address(), 0, remoteAddress, remotePort, rcvbuf, sndbuf, autotune, congestionControl, null);
        t.settings = settings;
        return start(t, nodelay, fastOpen);
    }

    /**
     * Starts an active open to an IPv6 peer from the address RFC 6724 picks (ours in the
     * destination's scope); the returned connection is in SYN_SENT once the stack thread runs.
     *
     * @throws java.net.NoRouteToHostException when the peer is not on our link (no default router)
     *     or we have no usable address for it yet
     */
    public Tcb connect(io.tapwire.wire.Ipv6Address remote, int remotePort, int rcvbuf, int sndbuf, boolean nodelay, boolean autotune,
                       String congestionControl, boolean fastOpen) throws java.net.NoRouteToHostException {
        return connect(remote, remotePort, rcvbuf, sndbuf, nodelay, autotune, congestionControl, fastOpen, new SocketSettings());
    }

    /** The IPv6 connect with the socket's IP/TCP options. */
    public Tcb connect(io.tapwire.wire.Ipv6Address remote, int remotePort, int rcvbuf, int sndbuf, boolean nodelay, boolean autotune,
                       String congestionControl, boolean fastOpen, SocketSettings settings) throws java.net.NoRouteToHostException {
        TcpIpv6 v6 = layer.ipv6();
        if (v6 == null) {
            throw new IllegalStateException("IPv6 is off on this stack: set StackConfig.address6 (tapwire up --addr6) or disableIpv6=false");
        }
        if (remotePort < 1 || remotePort > 65535) {
            throw new IllegalArgumentException("destination port must be 1..65535, got " + remotePort);
        }
        if (remote.isMulticast() || remote.isUnspecified() || io.tapwire.wire.Ipv6Address.isV4Mapped(remote.hi(), remote.lo())) {
            throw new IllegalArgumentException("cannot connect to " + remote + ": not an IPv6 unicast address");
        }
        if (!v6.hasRoute(remote)) {
            throw new java.net.NoRouteToHostException("no route to " + remote + ": it is off our link and IPv6 has no default router");
        }
        io.tapwire.wire.Ipv6Address local = v6.sourceFor(remote);
        if (local == null) {
            throw new java.net.NoRouteToHostException("no usable IPv6 source address for " + remote + " yet (duplicate address detection)");
        }
        int localFold = v6.fold(local.hi(), local.lo());
        int remoteFold = v6.fold(remote.hi(), remote.lo());
        Tcb t = layer.newConnection(localFold, 0, remoteFold, remotePort, rcvbuf, sndbuf, autotune, congestionControl,
                new Ipv6Endpoints(local, remote, 0));
        t.settings = settings;
        return start(t, nodelay, fastOpen);
    }

    private Tcb start(Tcb t, boolean nodelay, boolean fastOpen) {
        t.applyUserMss();
        int remoteAddress = t.remoteAddress;
        int remotePort = t.remotePort;
        boolean v6 = t.v6 != null;
        t.nodelay = nodelay;
        // TCP_FASTOPEN_CONNECT (RFC 7413): the SYN waits for the first write, whose data it
        // carries; only when the client side of tcp_fastopen is on.
        t.fastOpenConnect = fastOpen && (config.tcpFastopen & TcpFastOpen.CLIENT_ENABLE) != 0;
        t.synDeferred = t.fastOpenConnect;
        t.state = TcpState.SYN_SENT;
        layer.runOnStack(() -> {
            t.lock.lock();
            try {
                if (t.released) {
                    return;
                }
                int bound = t.settings.localPort;
                int port = bound > 0 ? ports.checkBound(bound, remoteAddress, remotePort, v6) : ports.pick(remoteAddress, remotePort, v6, t.settings.localPortRange);
                if (port < 0) {
                    // A bound port whose 4-tuple is taken: EADDRNOTAVAIL from __inet_check_established.
                    t.error = bound > 0 ? new BindException("Cannot assign requested address")
                            : ports.exhausted(remoteAddress, remotePort, v6 ? t.v6.remote() : null);
                    t.released = true;
                    t.state = TcpState.CLOSED;
                    t.wake(Events.ANY);
                    return;
                }
                t.localPort = port;
                t.key = Tcb.key(remoteAddress, remotePort, port);
                if (v6) {
                    t.v6 = new Ipv6Endpoints(t.v6.local(), t.v6.remote(), layer.ipv6().flowLabel(remoteAddress, t.localAddress, remotePort, port));
                }
                Tcb timeWait = ports.takeReusable();
                if (timeWait != null) {
                    timeWaits.reuse(timeWait, t);
                } else {
                    t.iss = layer.isn(t.localAddress, port, remoteAddress, remotePort);
                }
                t.sndUna = t.iss;
                t.sndNxt = t.iss;
                t.sndMax = t.iss;
                t.sndMss = Math.min(t.ourMss, t.peerMss);
                layer.insert(t);
                stats.inc(Stat.TCP_ACTIVE_OPENS);
                if (!t.synDeferred) {
                    sendFirstSyn(t);
                }
                long keepInit = t.settings.keepInitNanos > 0 ? t.settings.keepInitNanos : config.tcpKeepInitNanos;
                if (keepInit > 0) {
                    // TCP_KEEPINIT (FreeBSD): the keepalive timer bounds the attempt, as FreeBSD's TT_KEEP does in SYN-SENT.
                    timerQueue.arm(t.keepaliveTimer(), layer.now() + keepInit);
                }
            } finally {
                t.lock.unlock();
            }
        });
        return t;
    }

    /**
     * The SYN of a Fast Open connect, after its first write (stack thread): with the data and
     * cookie {@link TcpFastOpen#prepareSyn} chooses. Runs after {@link #start}'s task.
     */
    void sendDeferredSyn(Tcb t) {
        t.lock.lock();
        try {
            if (t.released || t.state != TcpState.SYN_SENT || !t.synDeferred) {
                return;
            }
            t.synDeferred = false;
            layer.fastOpen().prepareSyn(t);
            sendFirstSyn(t);
        } finally {
            t.lock.unlock();
        }
    }

    private void sendFirstSyn(Tcb t) {
        output.sendSyn(t, false);
        long now = layer.now();
        t.rttStart = now;
        timerQueue.arm(t.rtxTimer(), now + t.rtt.rto());
    }
}
