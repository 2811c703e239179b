package io.tapwire.apps.iperf;

import io.tapwire.socket.UdpSocket;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The loops that move a stream's data, shared by the server and the client: a TCP writer of
 * {@code len}-byte blocks, a TCP reader, and a UDP writer paced to the target rate with iperf3's
 * datagram header (the UDP reader is the owner's, since one socket may carry several streams).
 */
final class StreamWorkers {
    private StreamWorkers() {
    }

    /**
     * Writes blocks until {@code done}, or until {@code total} (shared by all streams) reaches
     * {@code byteLimit} or {@code blockTotal} reaches {@code blockLimit} (0: no limit).
     */
    static void tcpSend(IperfStream s, int len, BooleanSupplier done, AtomicLong total, long byteLimit, AtomicLong blockTotal,
                        long blockLimit) {
        byte[] block = new byte[len];
        new java.util.Random(s.id).nextBytes(block);
        s.startNanos = System.nanoTime();
        try {
            OutputStream out = s.tcp.outputStream();
            while (!done.getAsBoolean()) {
                if (byteLimit > 0 && total.get() >= byteLimit) {
                    break;
                }
                if (blockLimit > 0 && blockTotal.getAndIncrement() >= blockLimit) {
                    break;
                }
                out.write(block, 0, len);
                s.bytes.addAndGet(len);
                total.addAndGet(len);
            }
        } catch (IOException e) {
            // the stream was closed at the end of the test, or the peer went away
        } finally {
            s.endNanos = System.nanoTime();
        }
    }

    /** Reads and counts until the end of the stream or an error. */
    static void tcpReceive(IperfStream s, AtomicLong total) {
        byte[] buf = new byte[128 * 1024];
        s.startNanos = System.nanoTime();
        try {
            InputStream in = s.tcp.inputStream();
            int n;
            while ((n = in.read(buf, 0, buf.length)) >= 0) {
                s.bytes.addAndGet(n);
                total.addAndGet(n);
                s.endNanos = System.nanoTime();
            }
        } catch (IOException e) {
            // closed at the end of the test
        }
    }

    /**
     * Sends {@code len}-byte datagrams at {@code rate} bit/s (0: as fast as the socket takes them),
     * each with iperf3's header: send time and a sequence number from 1.
     */
    static void udpSend(IperfStream s, UdpSocket socket, int len, long rate, boolean counters64, BooleanSupplier done,
                        AtomicLong total, long byteLimit) {
        byte[] block = new byte[Math.max(len, 16)];
        long start = System.nanoTime();
        s.startNanos = start;
        long pcount = 0;
        try {
            while (!done.getAsBoolean()) {
                if (byteLimit > 0 && total.get() >= byteLimit) {
                    break;
                }
                if (rate > 0) {
                    // The send time of datagram n at the target rate: start + n * len * 8 / rate.
                    long due = start + (long) (pcount * (double) block.length * 8e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(Math.min(wait, 50_000_000L));
                        continue;
                    }
                }
                pcount++;
                UdpReceiveStats.header(block, WallClock.micros(), pcount, counters64);
                if (s.udpAddress6 != null) {
                    socket.send(block, s.udpAddress6, s.udpPort);
                } else {
                    socket.send(block, s.udpAddress, s.udpPort);
                }
                s.packets.incrementAndGet();
                s.bytes.addAndGet(block.length);
                total.addAndGet(block.length);
            }
        } catch (IOException e) {
            // closed at the end of the test
        } finally {
            s.endNanos = System.nanoTime();
        }
    }

    static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
