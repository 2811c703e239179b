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
                               boolean reusePort, boolean autotune, String congestionControl) throws IOException {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("listening port must be 1..65535, got " + port);
        }
        if (address != 0 && address != iface.address()) {
            throw new BindException("cannot listen on " + Ipv4Address.toString(address) + ": not an address of this stack");
        }
        // Linux: min(backlog, somaxconn); a backlog of 0 still admits one connection.
        int limit = Math.max(1, Math.min(backlog, config.somaxconn));
        ListenSocket l = new ListenSocket(layer, address, port, limit, rcvbuf, sndbuf);
        l.nodelay = nodelay;
        l.autotune = autotune;
        l.congestionControl = congestionControl;
        l.reusePort = reusePort;
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
                    if (t.state.isSynchronized() || t.state == TcpState.SYN_RECEIVED) {
                        output.sendReset(t);
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
                       String congestionControl) {
        if (remotePort < 1 || remotePort > 65535) {
            throw new IllegalArgumentException("destination port must be 1..65535, got " + remotePort);
        }
        if (remoteAddress == 0 || iface.isBroadcast(remoteAddress) || Ipv4Address.isMulticast(remoteAddress)) {
            throw new IllegalArgumentException("cannot connect to " + Ipv4Address.toString(remoteAddress) + ": not a unicast address");
        }
        Tcb t = layer.newConnection(iface.address(), 0, remoteAddress, remotePort, rcvbuf, sndbuf, autotune, congestionControl);
        t.nodelay = nodelay;
        t.state = TcpState.SYN_SENT;
        layer.runOnStack(() -> {
            t.lock.lock();
            try {
                if (t.released) {
                    return;
                }
                int port = ports.pick(remoteAddress, remotePort);
                if (port < 0) {
                    t.error = ports.exhausted(remoteAddress, remotePort);
                    t.released = true;
                    t.state = TcpState.CLOSED;
                    t.wake(Events.ANY);
                    return;
                }
                t.localPort = port;
                t.key = Tcb.key(remoteAddress, remotePort, port);
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
                output.sendSyn(t, false);
                long now = layer.now();
                t.rttStart = now;
                timerQueue.arm(t.rtxTimer(), now + t.rtt.rto());
            } finally {
                t.lock.unlock();
            }
        });
        return t;
    }
}
