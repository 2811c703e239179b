package io.tapwire.jmh;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.link.VirtualDevice;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.MacAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * A whole round trip: a client on stack A (10.0.0.1) sends 64 bytes over an established
 * connection to an echo server on stack B (10.0.0.2), both on {@link VirtualDevice}s joined by
 * {@link VirtualDevice#connect}, and reads the echo back; both applications and both stacks run on
 * the benchmark thread in turn. One operation is one frame each way, each through both stacks'
 * send and receive paths: the request, and the echo with the server's ACK riding on it; plus the
 * virtual wire's byte-by-byte copy of each frame ({@code VirtualDevice.inject}). The client's ACK
 * of the echo rides on the next request (delayed ACK, RFC 9293 section 3.8.6.3).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoundTripBenchmark {
    static final int SIZE = 64;
    private static final int PORT = 7;
    private static final int MAX_TURNS = 100;

    VirtualDevice devA;
    VirtualDevice devB;
    Stack a;
    Stack b;
    TcpSocket client;
    TcpSocket server;
    private long now = 1_000_000_000L;
    final byte[] request = new byte[SIZE];
    final byte[] reply = new byte[SIZE];
    private final byte[] serverBuffer = new byte[4096];
    long roundTrips;

    @Setup
    public void setup() throws IOException {
        devA = new VirtualDevice("jmhA", 1500, 256);
        devB = new VirtualDevice("jmhB", 1500, 256);
        VirtualDevice.connect(devA, devB);
        a = new Stack(devA, config("10.0.0.1", "02:00:00:00:00:01", 1));
        b = new Stack(devB, config("10.0.0.2", "02:00:00:00:00:02", 2));
        TcpListener listener = b.listenTcp(PORT, 16);
        client = a.connectTcp(Ipv4Address.parse("10.0.0.2"), PORT);
        for (int i = 0; i < 1000 && server == null; i++) {
            turn();
            server = listener.accept(0, TimeUnit.NANOSECONDS);
        }
        if (server == null) {
            throw new IllegalStateException("the connection was not established");
        }
        for (int i = 0; i < SIZE; i++) {
            request[i] = (byte) ('A' + i % 26);
        }
    }

    private static StackConfig config(String address, String mac, long seed) {
        StackConfig c = new StackConfig();
        c.address = Ipv4Address.parse(address);
        c.mac = MacAddress.parse(mac);
        c.prefixLength = 24;
        c.seed = seed;
        // No gratuitous ARP: the other stack would count it as a drop (not for us); A resolves B on demand.
        c.arpGratuitousAtStart = false;
        // Nor IPv6's DAD and MLD at start (disable_ipv6=1): the benchmark is IPv4.
        c.disableIpv6 = true;
        return c;
    }

    /** Both stacks poll and the wire carries their frames, once. */
    private void turn() {
        now += 1_000;
        a.poll(now);
        devA.doWork(now);
        b.poll(now);
        devB.doWork(now);
    }

    @Benchmark
    public int echo() throws IOException {
        if (client.tryWrite(request, 0, SIZE) != SIZE) {
            throw new IllegalStateException("the client could not write " + SIZE + " bytes");
        }
        int got = 0;
        for (int turns = 0; got < SIZE; turns++) {
            if (turns == MAX_TURNS) {
                throw new IllegalStateException("no echo after " + MAX_TURNS + " turns");
            }
            now += 1_000;
            a.poll(now);
            devA.doWork(now);
            b.poll(now);
            int n;
            while ((n = server.tryRead(serverBuffer, 0, serverBuffer.length)) > 0) {
                if (server.tryWrite(serverBuffer, 0, n) != n) {
                    throw new IllegalStateException("the server could not echo " + n + " bytes");
                }
            }
            b.poll(now);
            devB.doWork(now);
            a.poll(now);
            n = client.tryRead(reply, got, SIZE - got);
            if (n > 0) {
                got += n;
            }
        }
        roundTrips++;
        return got;
    }

    @TearDown
    public void check() {
        Checks.noDrops(a);
        Checks.noDrops(b);
        if (devA.rxMissed() != 0 || devB.rxMissed() != 0) {
            throw new IllegalStateException("the virtual wire dropped frames");
        }
    }
}
