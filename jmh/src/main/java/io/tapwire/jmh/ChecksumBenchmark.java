package io.tapwire.jmh;

import io.tapwire.wire.Checksum;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The Internet checksum (RFC 1071) over random bytes in a direct buffer, as frames sit in
 * descriptors: 64 bytes (a small segment), 1,460 (a full segment's TCP payload and header at MTU
 * 1500) and 65,535 (the largest IPv4 packet, a GSO super-segment). Bytes per second is
 * {@code size} times operations per second; scripts/jmh.sh prints it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ChecksumBenchmark {
    @Param({"64", "1460", "65535"})
    public int size;

    private ByteBuffer buf;

    @Setup
    public void setup() {
        buf = ByteBuffer.allocateDirect(size);
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < size; i++) {
            buf.put(i, (byte) random.nextInt(256));
        }
    }

    @Benchmark
    public int checksum() {
        return Checksum.of(buf, 0, size);
    }
}
