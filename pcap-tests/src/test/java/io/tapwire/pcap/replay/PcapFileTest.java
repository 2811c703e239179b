package io.tapwire.pcap.replay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PcapFileTest {
    @TempDir
    Path dir;

    @Test
    void writtenFramesReadBackWithNanosecondTimes() throws Exception {
        List<TimedFrame> frames = List.of(new TimedFrame(1_700_000_000_123_456_789L, new byte[] {1, 2, 3}),
                new TimedFrame(1_700_000_001_000_000_001L, new byte[60]));
        Path p = dir.resolve("x.pcap");
        PcapFile.write(p, frames);
        assertEquals(frames, PcapFile.read(p));
    }

    @Test
    void microsecondBigEndianFilesAreRead() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(24 + 16 + 4).order(ByteOrder.BIG_ENDIAN);
        b.putInt(PcapFile.MAGIC_MICROS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        b.putInt(10).putInt(250).putInt(4).putInt(4).put(new byte[] {9, 8, 7, 6});
        Path p = dir.resolve("us.pcap");
        Files.write(p, b.array());
        List<TimedFrame> frames = PcapFile.read(p);
        assertEquals(1, frames.size());
        assertEquals(10_000_250_000L, frames.get(0).timeNanos());
        assertArrayEquals(new byte[] {9, 8, 7, 6}, frames.get(0).bytes());
    }

    @Test
    void cutShortFileIsAnErrorThatSaysWhere() throws Exception {
        Path p = dir.resolve("cut.pcap");
        PcapFile.write(p, List.of(new TimedFrame(0, new byte[100])));
        byte[] all = Files.readAllBytes(p);
        Files.write(p, java.util.Arrays.copyOf(all, all.length - 10));
        var e = assertThrows(java.io.IOException.class, () -> PcapFile.read(p));
        assertTrue(e.getMessage().contains("record 1"), e.getMessage());
    }

    /** Pcap4J (libpcap) reads the corpus files with the same frames and nanosecond times as our reader. */
    @Test
    void pcap4jReadsTheCorpusFilesAlike() throws Exception {
        Scenario s = Corpus.load("tcp-echo");
        for (String name : new String[] {Scenario.INPUT, Scenario.EXPECTED}) {
            Path p = s.dir().resolve(name);
            List<TimedFrame> ours = PcapFile.read(p);
            try (PcapHandle h = Pcaps.openOffline(p.toString(), PcapHandle.TimestampPrecision.NANO)) {
                for (TimedFrame f : ours) {
                    byte[] raw = h.getNextRawPacket();
                    assertArrayEquals(f.bytes(), raw);
                    java.sql.Timestamp ts = h.getTimestamp();
                    assertEquals(f.timeNanos(), ts.getTime() / 1000 * 1_000_000_000L + ts.getNanos());
                }
                assertEquals(null, h.getNextRawPacket());
            }
        }
    }
}
