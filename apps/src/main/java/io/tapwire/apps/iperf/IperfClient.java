package io.tapwire.apps.iperf;

import io.tapwire.Stack;
import io.tapwire.socket.TcpSocket;
import io.tapwire.socket.UdpSocket;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An iperf3 client on the stack, for a stock {@code iperf3 -s} (iperf_client_api.c's side of the
 * protocol): cookie, parameters, the data streams (senders first, then receivers, as iperf3 opens
 * them), TEST_END when the time or the byte count is reached, then both sides' results. Returns
 * an {@link IperfReport} in iperf3's {@code -J} shape.
 */
public final class IperfClient {
    private static final long STEP_TIMEOUT_SECONDS = 15;

    private final Stack stack;
    private final int server;
    /** The server's IPv6 address (then {@code server} is unused), or null for an IPv4 server. */
    private final io.tapwire.wire.Ipv6Address server6;
    private final int port;
    private final IperfParams params;
    private final List<IperfStream> streams = new ArrayList<>();
    private final List<UdpSocket> udpSockets = new ArrayList<>();
    private final AtomicLong sentTotal = new AtomicLong();
    private final AtomicLong receivedTotal = new AtomicLong();
    private final AtomicLong blocksTotal = new AtomicLong();
    private volatile boolean done;

    /**
     * @param time seconds ({@code -t}); ignored when {@code bytes} or {@code blocks} is set
     * @param rate bit/s per stream ({@code -b}); UDP defaults to 1 Mbit/s as iperf3's does
     */
    public IperfClient(Stack stack, int server, int port, boolean udp, boolean reverse, boolean bidir, int parallel, long time,
                       long bytes, long blocks, int len, long rate) {
        this(stack, server, null, port, udp, reverse, bidir, parallel, time, bytes, blocks, len, rate);
    }

    /** {@link #IperfClient(Stack, int, int, boolean, boolean, boolean, int, long, long, long, int, long)} to an IPv6 server ({@code -6}). */
    public IperfClient(Stack stack, io.tapwire.wire.Ipv6Address server, int port, boolean udp, boolean reverse, boolean bidir,
                       int parallel, long time, long bytes, long blocks, int len, long rate) {
        this(stack, 0, server, port, udp, reverse, bidir, parallel, time, bytes, blocks, len, rate);
    }

    private IperfClient(Stack stack, int server, io.tapwire.wire.Ipv6Address server6, int port, boolean udp, boolean reverse,
                        boolean bidir, int parallel, long time, long bytes, long blocks, int len, long rate) {
        this.stack = stack;
        this.server = server;
        this.server6 = server6;
        this.port = port;
        int l = len > 0 ? len : (udp ? IperfParams.DEFAULT_UDP_LEN : IperfParams.DEFAULT_TCP_LEN);
        long r = rate > 0 ? rate : (udp ? 1L << 20 : 0);
        long t = bytes > 0 || blocks > 0 ? 0 : (time > 0 ? time : 10);
        this.params = new IperfParams(udp, reverse, bidir, Math.max(1, parallel), t, bytes, blocks, l, r, false, 0, null, false);
    }

    /** A TCP connection to the server (the control connection, or a data stream), over its family. */
    private TcpSocket connectTcp() throws IOException {
        return server6 != null ? TcpSocket.connect(stack, server6, port, STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                : TcpSocket.connect(stack, server, port, STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Runs one test; throws IOException with iperf3's meaning when the server refuses or fails. */
    public IperfReport run() throws IOException, InterruptedException {
        byte[] cookie = IperfProtocol.newCookie();
        TcpSocket control = connectTcp();
        long startNanos = 0;
        Map<String, Object> serverResults = null;
        try {
            InputStream in = control.inputStream();
            OutputStream out = control.outputStream();
            control.setNoDelay(true);
            out.write(cookie);
            out.flush();
            control.setSoTimeout(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            boolean endSent = false;
            while (true) {
                int state;
                try {
                    state = IperfProtocol.readState(in);
                } catch (SocketTimeoutException tick) {
                    if (startNanos != 0 && !endSent && finished(startNanos)) {
                        done = true;
                        if (params.udp()) {
                            // iperf3's client sends its last datagram before TEST_END (one thread does
                            // both): a sender past its check of done finishes that datagram first, or
                            // the server, which stops counting at TEST_END, misses one we counted
                            // (1,709 against our 1,710 once).
                            for (IperfStream s : streams) {
                                if (s.sender && s.thread != null) {
                                    s.thread.join(1000);
                                }
                            }
                        }
                        for (IperfStream s : streams) {
                            if (!s.sender) {
                                s.freeze();   // what arrives after TEST_END is not the test's
                            }
                        }
                        IperfProtocol.writeState(out, IperfProtocol.TEST_END);
                        endSent = true;
                        control.setSoTimeout(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    } else if (startNanos == 0 || endSent) {
                        throw new IOException("the server did not answer within " + STEP_TIMEOUT_SECONDS + " s");
                    }
                    continue;
                }
                switch (state) {
                    case IperfProtocol.PARAM_EXCHANGE -> IperfProtocol.writeJson(out, params.toJson("tapwire"));
                    case IperfProtocol.CREATE_STREAMS -> createStreams(cookie);
                    case IperfProtocol.TEST_START -> { }
                    case IperfProtocol.TEST_RUNNING -> {
                        startNanos = System.nanoTime();
                        for (IperfStream s : streams) {
                            startWorker(s);
                        }
                        // From now on wake up every 20 ms to check the end of the test.
                        control.setSoTimeout(20, TimeUnit.MILLISECONDS);
                    }
                    case IperfProtocol.EXCHANGE_RESULTS -> {
                        control.setSoTimeout(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                        countPartialWrites();
                        IperfProtocol.writeJson(out, ourResults());
                        serverResults = IperfProtocol.readJson(in);
                    }
                    case IperfProtocol.DISPLAY_RESULTS -> {
                        IperfProtocol.writeState(out, IperfProtocol.IPERF_DONE);
                        return report(serverResults, startNanos);
                    }
                    case IperfProtocol.ACCESS_DENIED -> throw new IOException("the server is busy running a test. try again later");
                    case IperfProtocol.SERVER_ERROR -> throw new IOException("the server has terminated with an error");
                    case IperfProtocol.SERVER_TERMINATE -> throw new IOException("the server has terminated");
                    default -> throw new IOException("unexpected state " + state + " from the server");
                }
            }
        } finally {
            done = true;
            for (IperfStream s : streams) {
                if (s.tcp != null) {
                    s.tcp.close();
                }
            }
            for (UdpSocket u : udpSockets) {
                u.close();
            }
            for (IperfStream s : streams) {
                if (s.thread != null) {
                    s.thread.join(1000);
                    if (s.thread.isAlive() && s.tcp != null) {
                        s.tcp.abort();
                    }
                }
            }
            control.close();
            awaitFinAcked(control);
        }
    }

    /**
     * Waits (at most 2 s) until our FIN on the control connection is acknowledged, so IPERF_DONE
     * and the FIN have left before a caller stops the stack: the stock server waits for them.
     */
    private static void awaitFinAcked(TcpSocket control) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < deadline) {
            switch (control.state()) {
                case FIN_WAIT_2, TIME_WAIT, CLOSED -> {
                    return;
                }
                default -> Thread.sleep(5);
            }
        }
    }

    private boolean finished(long startNanos) {
        if (params.bytes() > 0) {
            return sentTotal.get() >= params.bytes() || receivedTotal.get() >= params.bytes();
        }
        if (params.blocks() > 0) {
            return blocksTotal.get() >= params.blocks();
        }
        return System.nanoTime() - startNanos >= TimeUnit.SECONDS.toNanos(params.time());
    }

    private void createStreams(byte[] cookie) throws IOException {
        int senders = params.serverReceives();
        int total = senders + params.serverSends();
        for (int i = 0; i < total; i++) {
            boolean sender = i < senders;
            if (params.udp()) {
                UdpSocket u = stack.openUdp().bind(0);
                udpSockets.add(u);
                if (server6 != null) {
                    u.connect(server6, port);
                } else {
                    u.connect(server, port);
                }
                u.send(IperfProtocol.hostOrder(IperfProtocol.UDP_CONNECT_MSG));
                UdpSocket.Datagram reply = u.receive(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (reply == null) {
                    throw new IOException("no answer to UDP stream " + (i + 1) + "'s first datagram");
                }
                streams.add(new IperfStream(IperfProtocol.streamId(i), sender, null, server, server6, port));
            } else {
                TcpSocket t = connectTcp();
                t.outputStream().write(cookie);
                t.outputStream().flush();
                streams.add(new IperfStream(IperfProtocol.streamId(i), sender, t, 0, 0));
            }
        }
    }

    /**
     * A TCP sender's count is what the application handed the socket, as iperf3 counts what
     * write(2) returned: a blocking write still in progress at TEST_END has already handed over
     * part of its block (sent, maybe received), which the per-write count does not hold yet. The
     * socket knows it exactly: bytes acknowledged plus bytes still queued (ss's Send-Q), less the
     * cookie that opened the stream.
     */
    private void countPartialWrites() {
        for (IperfStream s : streams) {
            if (s.sender && s.tcp != null) {
                io.tapwire.tcp.TcpInfo info = s.tcp.tcpInfo();
                long written = info.bytesAcked() + info.sendQueue() - IperfProtocol.COOKIE_SIZE;
                s.bytes.accumulateAndGet(written, Math::max);
            }
        }
    }

    private void startWorker(IperfStream s) {
        String name = "iperf3-client-stream-" + s.id;
        if (s.tcp != null) {
            s.thread = s.sender
                    ? StreamWorkers.start(name, () -> StreamWorkers.tcpSend(s, params.len(), () -> done, sentTotal, params.bytes(),
                            blocksTotal, params.blocks()))
                    : StreamWorkers.start(name, () -> StreamWorkers.tcpReceive(s, receivedTotal));
            return;
        }
        UdpSocket u = udpSockets.get(streams.indexOf(s));
        if (s.sender) {
            s.thread = StreamWorkers.start(name, () -> StreamWorkers.udpSend(s, u, params.len(), params.rate(), false, () -> done,
                    sentTotal, params.bytes()));
        } else {
            s.startNanos = System.nanoTime();
            s.thread = StreamWorkers.start(name, () -> {
                try {
                    while (!done) {
                        UdpSocket.Datagram d = u.receive(100, TimeUnit.MILLISECONDS);
                        if (d != null && !s.frozen()) {
                            s.udpStats.datagram(d.data(), d.data().length, false, WallClock.micros());
                            receivedTotal.addAndGet(d.data().length);
                            s.endNanos = System.nanoTime();
                        }
                    }
                } catch (IOException e) {
                    // closed at the end
                }
            });
        }
    }

    private Map<String, Object> ourResults() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("cpu_util_total", 0.0);
        j.put("cpu_util_user", 0.0);
        j.put("cpu_util_system", 0.0);
        j.put("sender_has_retransmits", params.udp() ? 0 : 1);
        List<Object> list = new ArrayList<>();
        for (IperfStream s : streams) {
            list.add(s.resultJson(!params.udp()));
        }
        j.put("streams", list);
        return j;
    }

    private IperfReport report(Map<String, Object> serverResults, long startNanos) {
        return IperfReport.build(params, streams, serverResults, (System.nanoTime() - startNanos) / 1e9,
                server6 != null ? server6.toString() : io.tapwire.wire.Ipv4Address.toString(server), port);
    }
}
