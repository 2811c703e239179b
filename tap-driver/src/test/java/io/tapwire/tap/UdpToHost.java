package io.tapwire.tap;

import io.tapwire.wire.Checksum;
import io.tapwire.wire.Ipv4Packet;

import java.nio.ByteBuffer;

import static io.tapwire.tap.TestFrames.STACK_MAC;

/**
 * UDP frames from the stack's address to a listener on the host side of the TAP
 * (10.0.0.2:40000 to 10.0.0.1:5555), for the tests of what the kernel does with frames we send:
 * checksum offload and batched transmit. Built with the stack's wire classes, unlike
 * {@link TestFrames}, since the checksum is the point.
 */
final class UdpToHost {
    static final int HOST = 0x0A000001;
    static final int STACK = 0x0A000002;

    /** What a test frame's UDP checksum field holds. */
    enum Sum {
        /** 0: no checksum (RFC 768), which Linux accepts over IPv4. */
        NONE,
        /** Only the pseudo-header sum, for the kernel to complete when the header says NEEDS_CSUM. */
        PARTIAL,
        /** A wrong checksum: Linux drops the datagram unless something completes it. */
        WRONG
    }

    private UdpToHost() {
    }

    /** tap0's MAC address in {@code ns}, the destination of our frames. */
    static byte[] hostMac(Netns ns) {
        String[] parts = ns.run("cat", "/sys/class/net/tap0/address").strip().split(":");
        byte[] out = new byte[6];
        for (int i = 0; i < 6; i++) {
            out[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return out;
    }

    /** An Ethernet+IPv4+UDP frame carrying {@code text}, with the checksum field as {@code sum} says. */
    static byte[] frame(byte[] hostMac, String text, Sum sum) {
        byte[] data = text.getBytes();
        int udpLength = 8 + data.length;
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + udpLength);
        b.put(0, hostMac).put(6, STACK_MAC).putShort(12, (short) 0x0800);
        Ipv4Packet.writeHeader(b, 14, 0, 20 + udpLength, 1, Ipv4Packet.FLAG_DF, 64, Ipv4Packet.PROTO_UDP, STACK, HOST);
        b.putShort(34, (short) 40000).putShort(36, (short) 5555).putShort(38, (short) udpLength);
        int pseudo = Checksum.fold(Checksum.pseudoHeader(STACK, HOST, Ipv4Packet.PROTO_UDP, udpLength));
        b.putShort(40, (short) (sum == Sum.NONE ? 0 : sum == Sum.PARTIAL ? pseudo : 0x1234));
        b.put(42, data);
        return b.array();
    }
}
