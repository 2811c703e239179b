package io.tapwire.link;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the classic libpcap file format (magic 0xa1b23c4d, nanosecond timestamps, link type 1
 * Ethernet), readable by tshark, Wireshark, tcpdump and Pcap4J. Written by hand so the stack needs
 * no capture library.
 */
public final class PcapWriter implements AutoCloseable {
    /** Nanosecond-resolution pcap magic (libpcap 1.5+). */
    public static final int MAGIC_NANOS = 0xA1B23C4D;
    public static final int LINKTYPE_ETHERNET = 1;

    private final OutputStream out;
    private final ByteBuffer record = ByteBuffer.allocate(16 + 65536 + 64).order(ByteOrder.LITTLE_ENDIAN);
    private final int snapLength;

    public PcapWriter(Path file) {
        this(open(file), 65535);
    }

    public PcapWriter(OutputStream out, int snapLength) {
        this.out = out;
        this.snapLength = snapLength;
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(MAGIC_NANOS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(snapLength).putInt(LINKTYPE_ETHERNET);
        write(h.array(), 24);
    }

    private static OutputStream open(Path file) {
        try {
            return new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create pcap file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Appends one frame with an absolute timestamp in nanoseconds since the Unix epoch. */
    public void write(ByteBuffer frame, int offset, int length, long epochNanos) {
        int captured = Math.min(length, snapLength);
        record.clear();
        record.putInt((int) (epochNanos / 1_000_000_000L));
        record.putInt((int) (epochNanos % 1_000_000_000L));
        record.putInt(captured);
        record.putInt(length);
        for (int i = 0; i < captured; i++) {
            record.put(frame.get(offset + i));
        }
        write(record.array(), record.position());
    }

    private void write(byte[] bytes, int length) {
        try {
            out.write(bytes, 0, length);
        } catch (IOException e) {
            throw new UncheckedIOException("writing pcap failed: " + e.getMessage(), e);
        }
    }

    public void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("flushing pcap failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing pcap failed: " + e.getMessage(), e);
        }
    }
}
