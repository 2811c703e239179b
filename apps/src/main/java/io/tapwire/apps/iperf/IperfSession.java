package io.tapwire.apps.iperf;

import io.tapwire.socket.TcpSocket;
import io.tapwire.socket.UdpSocket;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server side of one iperf3 test (iperf_server_api.c's states): PARAM_EXCHANGE, then
 * CREATE_STREAMS while the client's data streams arrive (TCP connections that open with the
 * test's cookie, or UDP datagrams from new ports), TEST_START and TEST_RUNNING, data until the
 * client's TEST_END, then EXCHANGE_RESULTS (the client's JSON in, ours out), DISPLAY_RESULTS and
 * the client's IPERF_DONE. The server receives on the first streams and sends on the rest, the
 * order iperf3's client opens them in.
 */
final class IperfSession implements Runnable {
    /** How long the client may take to open its streams or answer a state. */
    private static final long STEP_TIMEOUT_SECONDS = 15;

    private final TcpSocket control;
    private final byte[] cookie;
    private final UdpSocket udpSocket;
    private final Runnable onFinished;
    private final BlockingQueue<TcpSocket> tcpStreams = new LinkedBlockingQueue<>();
    private final BlockingQueue<UdpPeer> udpPeers = new LinkedBlockingQueue<>();
    private final Map<UdpPeer, IperfStream> udpByPeer = new java.util.concurrent.ConcurrentHashMap<>();

    /** A UDP stream's peer: an IPv4 address, or an IPv6 one ({@code address6} non-null), and a port. */
    private record UdpPeer(int address, io.tapwire.wire.Ipv6Address address6, int port) {
    }
    private final List<IperfStream> streams = new ArrayList<>();
    private volatile IperfParams params;
    private volatile boolean creatingStreams;
    private volatile boolean done;
    private volatile boolean finished;
    private final AtomicLong sentTotal = new AtomicLong();
    private final AtomicLong receivedTotal = new AtomicLong();
    private final AtomicLong blocksTotal = new AtomicLong();
    private long cpuStartNanos;
    private long wallStartNanos;

    IperfSession(TcpSocket control, byte[] cookie, UdpSocket udpSocket, Runnable onFinished) {
        this.control = control;
        this.cookie = cookie;
        this.udpSocket = udpSocket;
        this.onFinished = onFinished;
    }

    boolean finished() {
        return finished;
    }

    /** A data connection that opened with {@code c}: taken if it is this test's cookie while streams are being created. */
    boolean offerTcp(byte[] c, TcpSocket s) {
        if (finished || !creatingStreams || !Arrays.equals(c, cookie) || params == null || params.udp()) {
            return false;
        }
        return tcpStreams.offer(s);
    }

    /** Whether this test waits for UDP streams. */
    boolean wantsUdp() {
        return creatingStreams && params != null && params.udp() && !finished;
    }

    /** A UDP stream's first datagram came from {@code address:port} ({@code address6} when the peer is IPv6, else null). */
    void offerUdp(int address, io.tapwire.wire.Ipv6Address address6, int port) {
        udpPeers.offer(new UdpPeer(address6 != null ? 0 : address, address6, port));
    }

    /** The UDP stream of a peer, or null. */
    IperfStream udpStream(int address, io.tapwire.wire.Ipv6Address address6, int port) {
        return udpByPeer.get(new UdpPeer(address6 != null ? 0 : address, address6, port));
    }

    boolean udpCounters64() {
        IperfParams p = params;
        return p != null && p.udpCounters64();
    }

    @Override
    public void run() {
        try {
            runTest();
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (!(e instanceof java.io.EOFException)) {
                System.err.println("tapwire iperf3 server: test ended early: " + e.getMessage());
            }
        } finally {
            done = true;
            cleanUp();
            finished = true;
            onFinished.run();
        }
    }

    private void runTest() throws IOException, InterruptedException {
        InputStream in = control.inputStream();
        OutputStream out = control.outputStream();
        control.setSoTimeout(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        IperfProtocol.writeState(out, IperfProtocol.PARAM_EXCHANGE);
        IperfParams p = IperfParams.fromJson(IperfProtocol.readJson(in));
        params = p;
        int toReceive = p.serverReceives();
        int total = toReceive + p.serverSends();
        creatingStreams = true;
        IperfProtocol.writeState(out, IperfProtocol.CREATE_STREAMS);
        for (int i = 0; i < total; i++) {
            boolean sender = i >= toReceive;
            IperfStream s;
            if (p.udp()) {
                UdpPeer peer = udpPeers.poll(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (peer == null) {
                    throw new IOException("the client opened " + i + " of " + total + " UDP streams");
                }
                s = new IperfStream(IperfProtocol.streamId(i), sender, null, peer.address(), peer.address6(), peer.port());
                udpByPeer.put(peer, s);
                byte[] reply = IperfProtocol.hostOrder(IperfProtocol.UDP_CONNECT_REPLY);
                if (peer.address6() != null) {
                    udpSocket.send(reply, peer.address6(), peer.port());
                } else {
                    udpSocket.send(reply, peer.address(), peer.port());
                }
            } else {
                TcpSocket t = tcpStreams.poll(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (t == null) {
                    throw new IOException("the client opened " + i + " of " + total + " TCP streams");
                }
                s = new IperfStream(IperfProtocol.streamId(i), sender, t, 0, 0);
            }
            streams.add(s);
        }
        creatingStreams = false;
        IperfProtocol.writeState(out, IperfProtocol.TEST_START);
        IperfProtocol.writeState(out, IperfProtocol.TEST_RUNNING);
        cpuStartNanos = processCpuNanos();
        wallStartNanos = System.nanoTime();
        for (IperfStream s : streams) {
            startWorker(s, p);
        }
        if (p.omit() > 0) {
            // -O: the first seconds are a warm-up left out of the results (iperf3's omit timer
            // runs on both sides and resets the counters when it fires).
            Thread omit = new Thread(() -> {
                try {
                    Thread.sleep(TimeUnit.SECONDS.toMillis(p.omit()));
                } catch (InterruptedException e) {
                    return;
                }
                if (!done) {
                    for (IperfStream s : streams) {
                        s.omitUntilNow();
                    }
                }
            }, "iperf3-omit");
            omit.setDaemon(true);
            omit.start();
        }
        // The client decides when the test ends (its -t timer, or -n/-k reached). A timed test
        // whose client falls silent is given up a minute after it should have ended, so one
        // vanished client does not keep the server busy for ever; -n and -k tests wait, as
        // iperf3's server does without --idle-timeout.
        control.setSoTimeout(p.time() > 0 ? p.time() + p.omit() + 60 : 0, TimeUnit.SECONDS);
        while (true) {
            int state = IperfProtocol.readState(in);
            if (state == IperfProtocol.TEST_END) {
                break;
            }
            if (state == IperfProtocol.CLIENT_TERMINATE || state == IperfProtocol.IPERF_DONE) {
                return;
            }
        }
        done = true;
        long now = System.nanoTime();
        for (IperfStream s : streams) {
            if (!s.sender) {
                s.freeze();
            }
            if (s.endNanos == 0 || !s.sender) {
                s.endNanos = now;
            }
        }
        endStreams();
        control.setSoTimeout(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        // Our results go out with EXCHANGE_RESULTS, ahead of the client's (iperf3's server reads the
        // client's first): the 3.12 client reads them right after sending its own, on a control
        // socket that is non-blocking in its receiving and UDP modes, and a read that finds nothing
        // yet fails with "unable to receive results: Resource temporarily unavailable".
        java.io.ByteArrayOutputStream msg = new java.io.ByteArrayOutputStream();
        msg.write(IperfProtocol.EXCHANGE_RESULTS);
        IperfProtocol.writeJson(msg, results(p));
        out.write(msg.toByteArray());
        out.flush();
        IperfProtocol.readJson(in);   // the client's results: iperf3's server only shows them
        IperfProtocol.writeState(out, IperfProtocol.DISPLAY_RESULTS);
        try {
            IperfProtocol.readState(in);   // IPERF_DONE
        } catch (IOException e) {
            // the client may close at once
        }
    }

    /**
     * Ends the data streams at TEST_END, before EXCHANGE_RESULTS, as iperf3's server does
     * (iperf_api.c iperf_handle_message_server closes every stream socket there): the writers
     * finish the block they are writing, then each TCP stream is closed, so what is queued still
     * goes out and a FIN follows. The 3.12 client in reverse mode switches its data sockets back to
     * blocking when it sends TEST_END and keeps draining them with Nread, which returns only once a
     * whole block (128 KiB) or the end of the stream has come: without the FIN it sits in read(2)
     * until this server gives up and closes everything, and then finds the control socket closed.
     */
    private void endStreams() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_TIMEOUT_SECONDS);
        for (IperfStream s : streams) {
            if (s.sender && s.thread != null) {
                // The client keeps reading after TEST_END, so the block in progress completes.
                s.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        }
        for (IperfStream s : streams) {
            if (s.tcp == null) {
                continue;
            }
            s.finishTcp();
            if (s.sender && s.thread != null && s.thread.isAlive()) {
                s.tcp.abort();   // a writer still blocked: the client stopped reading
            } else {
                s.tcp.close();
            }
        }
    }

    private void startWorker(IperfStream s, IperfParams p) {
        String name = "iperf3-stream-" + s.id;
        if (p.udp()) {
            if (s.sender) {
                s.thread = StreamWorkers.start(name, () -> StreamWorkers.udpSend(s, udpSocket, p.len(), p.rate(), p.udpCounters64(),
                        () -> done, sentTotal, p.bytes()));
            } else {
                s.startNanos = System.nanoTime();
            }
        } else if (s.sender) {
            s.thread = StreamWorkers.start(name, () -> StreamWorkers.tcpSend(s, p.len(), () -> done, sentTotal, p.bytes(),
                    blocksTotal, p.blocks()));
        } else {
            s.thread = StreamWorkers.start(name, () -> StreamWorkers.tcpReceive(s, receivedTotal));
        }
    }

    /** Our results for the client (iperf_api.c send_results): CPU use, retransmit reporting, each stream. */
    private Map<String, Object> results(IperfParams p) {
        Map<String, Object> j = new LinkedHashMap<>();
        long wall = Math.max(1, System.nanoTime() - wallStartNanos);
        double cpu = 100.0 * Math.max(0, processCpuNanos() - cpuStartNanos) / wall;
        j.put("cpu_util_total", cpu);
        j.put("cpu_util_user", cpu);
        j.put("cpu_util_system", 0.0);
        boolean retrans = !p.udp() && p.serverSends() > 0;
        j.put("sender_has_retransmits", retrans ? 1 : 0);
        if (!p.udp()) {
            j.put("congestion_used", streams.isEmpty() ? "cubic" : streams.get(0).caAlgorithm());
        }
        List<Object> list = new ArrayList<>();
        for (IperfStream s : streams) {
            list.add(s.resultJson(retrans));
        }
        j.put("streams", list);
        if (p.getServerOutput()) {
            j.put("server_output_text", "tapwire iperf3 server: " + streams.size() + " stream(s)\n");
        }
        return j;
    }

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return 0;
    }

    private void cleanUp() {
        for (IperfStream s : streams) {
            if (s.tcp != null) {
                s.tcp.close();
            }
        }
        for (IperfStream s : streams) {
            if (s.thread != null) {
                try {
                    s.thread.join(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (s.thread.isAlive() && s.tcp != null) {
                    s.tcp.abort();   // a writer blocked on a peer that stopped reading
                }
            }
        }
        TcpSocket t;
        while ((t = tcpStreams.poll()) != null) {
            t.abort();
        }
        control.close();
    }
}
