package io.tapwire.link;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A TX frame whose payload lies outside its buffer (scatter-gather): its lengths, and joining it into the buffer. */
class DescriptorPayloadTest {
    @Test
    void aWrappedPayloadIsJoinedAfterTheInlineBytesInOrder() {
        DescriptorRing tx = new DescriptorRing(DescriptorRing.Direction.TX, 2, 256);
        ByteBuffer storage = ByteBuffer.allocateDirect(100);
        for (int i = 0; i < 100; i++) {
            storage.put(i, (byte) i);
        }
        Descriptor d = tx.claim();
        for (int i = 0; i < 54; i++) {
            d.buffer().put(i, (byte) 0xEE);
        }
        // The last 30 bytes of the ring, then its first 20: a segment that wraps.
        d.attachPayload(storage, 70, 30, 0, 20);
        tx.publish(d, 54 + 50, 0);
        assertEquals(104, d.length());
        assertEquals(54, d.inlineLength());
        d.materialize();
        assertNull(d.external());
        assertEquals(104, d.inlineLength(), "the whole frame is in the buffer now");
        assertEquals((byte) 0xEE, d.buffer().get(53));
        for (int i = 0; i < 30; i++) {
            assertEquals((byte) (70 + i), d.buffer().get(54 + i));
        }
        for (int i = 0; i < 20; i++) {
            assertEquals((byte) i, d.buffer().get(84 + i));
        }
    }

    @Test
    void aClaimForgetsTheLastFramesPayloadAndHeapStorageIsRefused() {
        DescriptorRing tx = new DescriptorRing(DescriptorRing.Direction.TX, 2, 256);
        Descriptor d = tx.claim();
        d.attachPayload(ByteBuffer.allocateDirect(10), 0, 10, 0, 0);
        tx.publish(d, 64, 0);
        tx.consume(tx.peek());
        Descriptor other = tx.claim();
        tx.publish(other, 64, 0);
        tx.consume(tx.peek());
        tx.reclaim();
        Descriptor again = tx.claim();
        assertEquals(d.index(), again.index(), "the slot of the frame with the external payload");
        assertNull(again.external(), "a reused slot starts without an external payload");
        assertThrows(IllegalArgumentException.class, () -> again.attachPayload(ByteBuffer.allocate(10), 0, 10, 0, 0));
    }
}
