package io.tapwire.link;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DescriptorRingTest {
    @Test
    void rxDescriptorsCycleAvailableUsedAvailable() {
        DescriptorRing rx = new DescriptorRing(DescriptorRing.Direction.RX, 4, 2048);
        Descriptor d = rx.claim();
        assertEquals(Descriptor.State.AVAILABLE, d.state());
        d.buffer().put(0, (byte) 0x42);
        rx.publish(d, 60, 123);
        assertEquals(Descriptor.State.USED, d.state());
        assertEquals(1, rx.pending());
        Descriptor seen = rx.peek();
        assertSame(d, seen);
        assertEquals(60, seen.length());
        assertEquals(123, seen.timestampNanos());
        rx.consume(seen);
        assertEquals(Descriptor.State.AVAILABLE, d.state());
        assertNull(rx.peek());
        assertEquals(4, rx.available());
    }

    @Test
    void txDescriptorsCycleAvailableReadyCompletedAvailable() {
        DescriptorRing tx = new DescriptorRing(DescriptorRing.Direction.TX, 2, 2048);
        Descriptor a = tx.claim();
        tx.publish(a, 100, 0);
        assertEquals(Descriptor.State.READY, a.state());
        Descriptor b = tx.claim();
        assertNotSame(a, b);
        tx.publish(b, 100, 0);
        assertNull(tx.claim(), "full ring: the producer must stop (backpressure)");
        assertEquals(1, tx.claimFailures());
        tx.consume(tx.peek());
        assertEquals(Descriptor.State.COMPLETED, a.state());
        assertNull(tx.claim(), "a COMPLETED slot is not reusable until reclaimed");
        assertEquals(1, tx.reclaim());
        assertEquals(Descriptor.State.AVAILABLE, a.state());
        assertSame(a, tx.claim());
    }

    @Test
    void positionsRunFreeAcrossManyWraps() {
        DescriptorRing rx = new DescriptorRing(DescriptorRing.Direction.RX, 8, 64);
        for (int i = 0; i < 10_000; i++) {
            Descriptor d = rx.claim();
            d.buffer().putInt(0, i);
            rx.publish(d, 4, i);
            if (i % 3 == 2) {
                for (int k = 0; k < 3; k++) {
                    Descriptor c = rx.peek();
                    assertEquals(i - 2 + k, c.buffer().getInt(0));
                    rx.consume(c);
                }
            }
        }
        assertEquals(10_000 - 10_000 % 3, rx.consumerPosition());
    }

    @Test
    void misuseIsRejectedWithAClearMessage() {
        assertThrows(IllegalArgumentException.class, () -> new DescriptorRing(DescriptorRing.Direction.RX, 6, 2048));
        DescriptorRing rx = new DescriptorRing(DescriptorRing.Direction.RX, 4, 2048);
        Descriptor d = rx.claim();
        assertThrows(IllegalArgumentException.class, () -> rx.publish(d, 4096, 0));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> rx.consume(d));
        assertTrue(e.getMessage().contains("peek"));
    }

    @Test
    void framesBuffersAreDirectAndDisjoint() {
        DescriptorRing rx = new DescriptorRing(DescriptorRing.Direction.RX, 4, 128);
        Descriptor a = rx.claim();
        assertTrue(a.buffer().isDirect());
        a.buffer().put(127, (byte) 1);
        rx.publish(a, 128, 0);
        Descriptor b = rx.claim();
        assertEquals(0, b.buffer().get(0));
        assertEquals(128, b.capacity());
    }

    @Test
    void virtualWireDeliversFramesAndCountsMissesWhenThePeerRingIsFull() {
        VirtualDevice a = new VirtualDevice("a", 1500, 2);
        VirtualDevice b = new VirtualDevice("b", 1500, 2);
        VirtualDevice.connect(a, b);
        for (int i = 0; i < 2; i++) {
            Descriptor d = a.txRing().claim();
            d.buffer().put(0, (byte) i);
            a.txRing().publish(d, 60, 0);
        }
        assertEquals(2, a.doWork(5));
        assertEquals(2, b.rxRing().pending());
        assertEquals(5, b.rxRing().peek().timestampNanos());
        a.txRing().reclaim();
        Descriptor d = a.txRing().claim();
        a.txRing().publish(d, 60, 0);
        a.doWork(6);
        assertEquals(1, a.rxMissed());
    }

    @Test
    void pcapTapRecordsBothDirectionsInLibpcapFormat() {
        VirtualDevice a = new VirtualDevice("a", 1500, 4);
        VirtualDevice b = new VirtualDevice("b", 1500, 4);
        VirtualDevice.connect(a, b);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        PcapWriter writer = new PcapWriter(file, 65535);
        PcapTap tap = new PcapTap(b, writer, 1_000_000_000L);
        // a sends one frame to b (recorded as RX), b's stack sends one back (recorded as TX).
        Descriptor d = a.txRing().claim();
        a.txRing().publish(d, 60, 0);
        a.doWork(10);
        Descriptor back = b.txRing().claim();
        back.buffer().put(0, (byte) 0x77);
        b.txRing().publish(back, 42, 0);
        tap.doWork(20);
        writer.flush();
        ByteBuffer pcap = ByteBuffer.wrap(file.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(PcapWriter.MAGIC_NANOS, pcap.getInt(0));
        assertEquals(PcapWriter.LINKTYPE_ETHERNET, pcap.getInt(20));
        assertEquals(24 + 16 + 42 + 16 + 60, pcap.capacity());
        assertEquals(42, pcap.getInt(24 + 8), "TX frame recorded first, before the device sends it");
        assertEquals(1, pcap.getInt(24), "seconds from the epoch offset");
        assertEquals(20, pcap.getInt(28), "nanoseconds");
        assertEquals(60, pcap.getInt(24 + 16 + 42 + 8));
        assertEquals(10, pcap.getInt(24 + 16 + 42 + 4), "RX frames keep their arrival time");
    }
}
