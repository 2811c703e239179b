package io.tapwire.pcap.replay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes classic libpcap files of Ethernet frames (link type 1). Reading accepts both
 * microsecond (0xa1b2c3d4) and nanosecond (0xa1b23c4d) magics in either byte order; writing
 * always uses nanosecond timestamps, little-endian, the format of the stack's own
 * {@code PcapWriter}, which tshark, Wireshark and Pcap4J read.
 */
public final class PcapFile {
    static final int MAGIC_MICROS = 0xA1B2C3D4;
    static final int MAGIC_NANOS = 0xA1B23C4D;
    static final int LINKTYPE_ETHERNET = 1;
    private static final int FILE_HEADER = 24;
    private static final int RECORD_HEADER = 16;
    private static final int SNAPLEN = 65535;

    private PcapFile() {
    }

    /**
     * Reads every frame of {@code file}, with timestamps in nanoseconds since the Unix epoch.
     *
     * @throws IOException when the file is not a pcap of Ethernet frames or is cut short
     */
    public static List<TimedFrame> read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        if (b.remaining() < FILE_HEADER) {
            throw new IOException(file + ": not a pcap file (" + b.remaining() + " bytes, a header is 24)");
        }
        b.order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
            b.order(ByteOrder.BIG_ENDIAN);
            magic = b.getInt(0);
        }
        if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
            throw new IOException(file + ": not a classic pcap file (magic 0x" + Integer.toHexString(b.getInt(0))
                    + "; pcapng is not supported, convert with: editcap -F pcap IN OUT)");
        }
        long fractionUnit = magic == MAGIC_NANOS ? 1 : 1000;
        int linkType = b.getInt(20);
        if (linkType != LINKTYPE_ETHERNET) {
            throw new IOException(file + ": link type " + linkType + ", expected 1 (Ethernet)");
        }
        List<TimedFrame> frames = new ArrayList<>();
        int pos = FILE_HEADER;
        while (pos < b.limit()) {
            if (b.limit() - pos < RECORD_HEADER) {
                throw new IOException(file + ": record " + (frames.size() + 1) + " header cut short at byte " + pos);
            }
            long seconds = b.getInt(pos) & 0xFFFF_FFFFL;
            long fraction = b.getInt(pos + 4) & 0xFFFF_FFFFL;
            int captured = b.getInt(pos + 8);
            int original = b.getInt(pos + 12);
            if (captured < 0 || captured > b.limit() - pos - RECORD_HEADER) {
                throw new IOException(file + ": record " + (frames.size() + 1) + " claims " + captured + " bytes, past the end");
            }
            if (captured != original) {
                throw new IOException(file + ": record " + (frames.size() + 1) + " was truncated by the capture (" + captured
                        + " of " + original + " bytes); record with a snap length of 65535");
            }
            byte[] data = new byte[captured];
            b.get(pos + RECORD_HEADER, data);
            frames.add(new TimedFrame(seconds * 1_000_000_000L + fraction * fractionUnit, data));
            pos += RECORD_HEADER + captured;
        }
        return frames;
    }

    /** Writes {@code frames} (timestamps in nanoseconds since the Unix epoch) to {@code file}. */
    public static void write(Path file, List<TimedFrame> frames) throws IOException {
        int size = FILE_HEADER;
        for (TimedFrame f : frames) {
            size += RECORD_HEADER + f.bytes().length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC_NANOS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(SNAPLEN).putInt(LINKTYPE_ETHERNET);
        for (TimedFrame f : frames) {
            if (f.timeNanos() < 0) {
                throw new IllegalArgumentException("pcap timestamps cannot be negative: " + f.timeNanos());
            }
            b.putInt((int) (f.timeNanos() / 1_000_000_000L));
            b.putInt((int) (f.timeNanos() % 1_000_000_000L));
            b.putInt(f.bytes().length);
            b.putInt(f.bytes().length);
            b.put(f.bytes());
        }
        Files.write(file, b.array());
    }
}
