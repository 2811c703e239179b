package io.tapwire.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Demultiplexing among many connections: a stack holding {@code connections} established
 * connections (opened by a {@link ScriptedPeer}) receives one segment for a connection picked at
 * random, so the connection table lookup and the connection's state miss the caches as they would
 * on a busy server. One operation is the whole receive of that frame: {@code Stack.poll} (Ethernet,
 * IPv4, TCP demultiplexing, segment processing) and taking what the stack sent off the TX ring.
 * {@code pureAck}: a pure ACK with nothing new, the cheapest segment; {@code dataSegment}: the
 * next 1,448 bytes in order, read by the application in the same operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class DemuxBenchmark {
    private static final int ORDER = 1 << 16;

    @Param({"1", "1000", "100000"})
    public int connections;

    ScriptedPeer peer;
    private final int[] order = new int[ORDER];
    private int next;
    private final byte[] appBuffer = new byte[65536];
    long bytesRead;
    long dataSegments;

    @Setup
    public void setup() throws IOException {
        peer = new ScriptedPeer(256);
        peer.establish(connections);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < ORDER; i++) {
            order[i] = random.nextInt(connections);
        }
    }

    @Benchmark
    public int pureAck() {
        int c = order[next++ & (ORDER - 1)];
        peer.now += 1_000;
        peer.sendAck(c);
        peer.stack.poll(peer.now);
        return peer.drainTx();
    }

    @Benchmark
    public int dataSegment() throws IOException {
        int c = order[next++ & (ORDER - 1)];
        peer.now += 1_000;
        peer.sendData(c);
        dataSegments++;
        peer.stack.poll(peer.now);
        int total = 0;
        int n;
        while ((n = peer.sockets[c].tryRead(appBuffer, 0, appBuffer.length)) > 0) {
            total += n;
        }
        bytesRead += total;
        return total + peer.drainTx();
    }

    /** Fails the run if the stack dropped anything or did not deliver every byte: then it measured the wrong path. */
    @TearDown
    public void check() {
        Checks.noDrops(peer.stack);
        Checks.delivered(dataSegments * ScriptedPeer.MSS_PAYLOAD, bytesRead);
    }
}
