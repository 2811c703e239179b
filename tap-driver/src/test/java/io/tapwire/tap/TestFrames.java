package io.tapwire.tap;

import io.tapwire.link.Descriptor;
import io.tapwire.link.DescriptorRing;

import java.nio.ByteBuffer;
import java.util.function.Predicate;

/**
 * Hand-built Ethernet/ARP frames and small ring helpers for the TAP tests, on purpose independent
 * of the stack's wire classes: the driver is tested against raw bytes.
 */
final class TestFrames {
    static final int ETHERTYPE_ARP = 0x0806;
    static final byte[] STACK_MAC = {0x02, 0, 0, 0, 0, 0x02}; // locally administered, unicast
    static final byte[] HOST_IP = {10, 0, 0, 1};
    static final byte[] STACK_IP = {10, 0, 0, 2};

    // Ethernet header, then the ARP payload (RFC 826) at offset 14.
    static final int ETH_TYPE = 12;
    static final int ARP_OPER = 14 + 6;
    static final int ARP_SHA = 14 + 8;
    static final int ARP_TPA = 14 + 24;

    private TestFrames() {
    }

    static int etherType(byte[] frame) {
        return frame.length < 14 ? -1 : ((frame[ETH_TYPE] & 0xFF) << 8) | (frame[ETH_TYPE + 1] & 0xFF);
    }

    /** True for an ARP request ("who has {@code ip}?"). */
    static boolean isArpRequestFor(byte[] frame, byte[] ip) {
        if (etherType(frame) != ETHERTYPE_ARP || frame.length < 14 + 28) {
            return false;
        }
        int oper = ((frame[ARP_OPER] & 0xFF) << 8) | (frame[ARP_OPER + 1] & 0xFF);
        for (int i = 0; i < 4; i++) {
            if (frame[ARP_TPA + i] != ip[i]) {
                return false;
            }
        }
        return oper == 1;
    }

    static byte[] senderMac(byte[] arpFrame) {
        byte[] mac = new byte[6];
        System.arraycopy(arpFrame, ARP_SHA, mac, 0, 6);
        return mac;
    }

    /** An ARP reply "{@code senderIp} is at {@code senderMac}" to {@code targetMac}, padded to 60 bytes. */
    static byte[] arpReply(byte[] senderMac, byte[] senderIp, byte[] targetMac, byte[] targetIp) {
        ByteBuffer b = ByteBuffer.allocate(60);
        b.put(targetMac).put(senderMac).putShort((short) ETHERTYPE_ARP);
        b.putShort((short) 1)          // htype: Ethernet
                .putShort((short) 0x0800)  // ptype: IPv4
                .put((byte) 6).put((byte) 4)
                .putShort((short) 2)       // oper: reply
                .put(senderMac).put(senderIp)
                .put(targetMac).put(targetIp);
        return b.array();
    }

    static String macString(byte[] mac) {
        StringBuilder s = new StringBuilder();
        for (byte x : mac) {
            if (s.length() > 0) {
                s.append(':');
            }
            s.append(String.format("%02x", x & 0xFF));
        }
        return s.toString();
    }

    /** Claims a TX descriptor, copies {@code frame} in and publishes it READY. */
    static void queueTx(TapDevice tap, byte[] frame) {
        DescriptorRing tx = tap.txRing();
        tx.reclaim();
        Descriptor d = tx.claim();
        if (d == null) {
            throw new IllegalStateException("TX ring full");
        }
        d.buffer().put(0, frame);
        tx.publish(d, frame.length, System.nanoTime());
    }

    /** Runs the driver loop until a received frame matches, or returns null after {@code timeoutMillis}. */
    static byte[] awaitFrame(TapDevice tap, Predicate<byte[]> wanted, long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            tap.doWork(System.nanoTime());
            Descriptor d;
            while ((d = tap.rxRing().peek()) != null) {
                byte[] frame = new byte[d.length()];
                d.buffer().get(0, frame);
                tap.rxRing().consume(d);
                if (wanted.test(frame)) {
                    return frame;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            tap.await(Math.min(left, 100_000_000L));
        }
    }
}
