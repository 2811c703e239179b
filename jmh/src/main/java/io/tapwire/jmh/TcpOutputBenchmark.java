package io.tapwire.jmh;

import io.tapwire.socket.TcpSocket;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * TCP output on one established connection: the application writes {@code size} bytes (1,448:
 * one full segment; 65,536: 45 segments, what one TSO super-segment would carry), the stack
 * segments them onto the TX ring at {@code Stack.poll}, the ring is drained, and the peer's
 * cumulative ACK for everything sent (one ACK per operation, as a receiver with GRO sends) is fed
 * back so the window and the send buffer never run out. A tail shorter than the MSS waits for that
 * ACK (Nagle, RFC 896, Linux's default) and leaves in the same operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TcpOutputBenchmark {
    @Param({"1448", "65536"})
    public int size;

    ScriptedPeer peer;
    private TcpSocket socket;
    private byte[] data;
    long written;

    @Setup
    public void setup() throws IOException {
        peer = new ScriptedPeer(256);
        peer.establish(1);
        socket = peer.sockets[0];
        data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) i;
        }
    }

    @Benchmark
    public int write() throws IOException {
        peer.now += 1_000;
        int n = socket.tryWrite(data, 0, size);
        written += n;
        peer.stack.poll(peer.now);
        int frames = peer.drainTx();
        peer.sendAck(0);
        peer.stack.poll(peer.now);
        return n + frames + peer.drainTx();
    }

    /** Every byte written left as a segment (all acknowledged but a last Nagle tail), and no drops. */
    @TearDown
    public void check() {
        Checks.noDrops(peer.stack);
        if (written - peer.payloadOut < 0 || written - peer.payloadOut >= ScriptedPeer.MSS_PAYLOAD) {
            throw new IllegalStateException("the application wrote " + written + " bytes, the stack sent " + peer.payloadOut);
        }
    }
}
