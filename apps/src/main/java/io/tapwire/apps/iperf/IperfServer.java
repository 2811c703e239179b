package io.tapwire.apps.iperf;

import io.tapwire.Stack;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.socket.UdpSocket;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * An iperf3 server on the stack (port 5201 by default), for Debian's stock {@code iperf3 -c}: one
 * test at a time, as iperf3's own server runs them (a second client is told ACCESS_DENIED). A TCP
 * listener takes control and data connections, told apart by the cookie they open with; one UDP
 * socket on the same port takes every UDP stream, told apart by the client's port. Blocking
 * sockets, a thread per stream.
 */
public final class IperfServer implements AutoCloseable {
    private static final long COOKIE_TIMEOUT_SECONDS = 5;

    private final TcpListener listener;
    private final UdpSocket udp;
    private final Thread acceptThread;
    private final Thread udpThread;
    private final int port;
    private volatile IperfSession active;
    private volatile boolean closed;
    private volatile long testsRun;

    private IperfServer(TcpListener listener, UdpSocket udp, int port) {
        this.listener = listener;
        this.udp = udp;
        this.port = port;
        this.acceptThread = new Thread(this::acceptLoop, "iperf3-accept");
        this.acceptThread.setDaemon(true);
        this.udpThread = new Thread(this::udpLoop, "iperf3-udp");
        this.udpThread.setDaemon(true);
    }

    /** Listens on {@code port} (TCP and UDP) and serves until {@link #close()}. */
    public static IperfServer start(Stack stack, int port) throws IOException {
        TcpListener l = stack.listenTcp(port, 64);
        UdpSocket u;
        try {
            u = stack.openUdp().bind(port);
        } catch (IOException | RuntimeException e) {
            l.close();
            throw e;
        }
        IperfServer s = new IperfServer(l, u, port);
        s.acceptThread.start();
        s.udpThread.start();
        return s;
    }

    public int port() {
        return port;
    }

    /** Tests that ran to their end or stopped early. */
    public long testsRun() {
        return testsRun;
    }

    private void acceptLoop() {
        while (!closed) {
            TcpSocket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            try {
                s.setSoTimeout(COOKIE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                byte[] cookie = IperfProtocol.readCookie(s.inputStream());
                dispatch(cookie, s);
            } catch (IOException | RuntimeException e) {
                s.abort();
            }
        }
    }

    private synchronized void dispatch(byte[] cookie, TcpSocket s) throws IOException {
        IperfSession current = active;
        if (current == null || current.finished()) {
            IperfSession session = new IperfSession(s, cookie, udp, this::sessionFinished);
            active = session;
            Thread t = new Thread(session, "iperf3-test");
            t.setDaemon(true);
            t.start();
            return;
        }
        if (current.offerTcp(cookie, s)) {
            return;
        }
        // iperf3 serves one test at a time: anyone else is told so (ACCESS_DENIED) and closed.
        IperfProtocol.writeState(s.outputStream(), IperfProtocol.ACCESS_DENIED);
        s.close();
    }

    private synchronized void sessionFinished() {
        testsRun++;
    }

    private void udpLoop() {
        while (!closed) {
            UdpSocket.Datagram d;
            try {
                d = udp.receive(200, TimeUnit.MILLISECONDS);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            if (d == null) {
                continue;
            }
            long arrival = WallClock.micros();
            IperfSession session = active;
            if (session == null || session.finished()) {
                continue;
            }
            IperfStream stream = session.udpStream(d.srcAddress(), d.srcAddress6(), d.srcPort());
            if (stream != null) {
                if (!stream.sender && !stream.frozen()) {
                    stream.udpStats.datagram(d.data(), d.data().length, session.udpCounters64(), arrival);
                }
            } else if (session.wantsUdp() && d.data().length == 4) {
                session.offerUdp(d.srcAddress(), d.srcAddress6(), d.srcPort());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        listener.close();
        udp.close();
        try {
            acceptThread.join(2000);
            udpThread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
