package io.tapwire.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * TCP input on one established connection: full-sized (1,448-byte) data segments arriving in
 * order, the stack acknowledging them as Linux does (every second full segment, RFC 9293 section
 * 3.8.6.3), the application reading everything. {@code oneSegment}: one frame per
 * {@code Stack.poll} (a wakeup per frame, the TAP case today); {@code batchOf32}: 32 frames per
 * poll and one read, reported per segment, the cost once device I/O is batched.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TcpInputBenchmark {
    static final int BATCH = 32;

    ScriptedPeer peer;
    private final byte[] appBuffer = new byte[BATCH * ScriptedPeer.MSS_PAYLOAD];
    long segments;
    long bytesRead;

    @Setup
    public void setup() throws IOException {
        peer = new ScriptedPeer(256);
        peer.establish(1);
    }

    @Benchmark
    public int oneSegment() throws IOException {
        peer.now += 1_000;
        peer.sendData(0);
        segments++;
        peer.stack.poll(peer.now);
        return read() + peer.drainTx();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int batchOf32() throws IOException {
        peer.now += BATCH * 1_000;
        for (int i = 0; i < BATCH; i++) {
            peer.sendData(0);
        }
        segments += BATCH;
        // One poll normally takes the whole batch (rx_budget); a smaller budget takes two or more.
        while (peer.rx.pending() > 0) {
            peer.stack.poll(peer.now);
        }
        return read() + peer.drainTx();
    }

    private int read() throws IOException {
        int total = 0;
        int n;
        while ((n = peer.sockets[0].tryRead(appBuffer, 0, appBuffer.length)) > 0) {
            total += n;
        }
        bytesRead += total;
        return total;
    }

    @TearDown
    public void check() {
        Checks.noDrops(peer.stack);
        Checks.delivered(segments * ScriptedPeer.MSS_PAYLOAD, bytesRead);
    }
}
