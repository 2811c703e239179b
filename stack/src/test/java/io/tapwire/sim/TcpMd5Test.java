package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * TCP MD5 signatures (RFC 2385, Linux's TCP_MD5SIG) between two stacks on virtual time: with the
 * same key on both sides every segment (SYN, SYN-ACK, data, ACKs, FIN) carries NOP NOP 19 18 and a
 * digest that this test recomputes on its own from the RFC's recipe; with a wrong key, a missing
 * key or an unexpected signature the receiver drops the segments and counts Linux's
 * TCPMD5Failure, TCPMD5NotFound and TCPMD5Unexpected, and no connection forms.
 */
class TcpMd5Test {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1_000 * MS;
    private static final byte[] KEY = "tapwire-md5-key".getBytes(StandardCharsets.US_ASCII);

    private static InetAddress inet(int addr) throws Exception {
        return InetAddress.getByName(Ipv4Address.toString(addr));
    }

    /** Every frame each way, recorded as it crosses the wire. */
    private static List<byte[]> record(VirtualNet net) {
        List<byte[]> frames = new ArrayList<>();
        net.filter = (fromA, frame) -> {
            frames.add(frame.clone());
            return false;
        };
        return frames;
    }

    /** RFC 2385 section 2.0, computed here independently: pseudo-header, fixed header (checksum 0), data, key. */
    private static byte[] expectedDigest(byte[] frame, int ipOff, int tcpOff, int tcpLen, int hdrLen, byte[] key) throws Exception {
        MessageDigest md = MessageDigest.getInstance("MD5");
        md.update(frame, ipOff + 12, 8);              // source and destination addresses
        md.update(new byte[] {0, 6, (byte) (tcpLen >> 8), (byte) tcpLen});
        byte[] header = Arrays.copyOfRange(frame, tcpOff, tcpOff + 20);
        header[16] = 0;
        header[17] = 0;
        md.update(header);
        md.update(frame, tcpOff + hdrLen, tcpLen - hdrLen);
        md.update(key);
        return md.digest();
    }

    @Test
    void aSignedConnectionSignsEverySegmentAndDeliversTheData() throws Exception {
        VirtualNet net = new VirtualNet();
        List<byte[]> frames = record(net);
        TcpListener l = net.b.listenTcp(179, 8);
        l.setMd5Key(inet(VirtualNet.A_ADDR), KEY);
        TcpSocket c = net.a.connectTcp(VirtualNet.B_ADDR, 179);
        c.setMd5Key(inet(VirtualNet.B_ADDR), KEY);
        net.runUntil(() -> c.state() == TcpState.ESTABLISHED, 5 * SEC);
        net.runFor(10 * MS);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s, "the signed handshake completed");
        byte[] data = new byte[20_000];
        new java.util.Random(3).nextBytes(data);
        int written = 0;
        for (int i = 0; i < 200 && written < data.length; i++) {
            written += c.tryWrite(data, written, data.length - written);
            net.runFor(5 * MS);
        }
        byte[] got = new byte[data.length];
        int read = 0;
        for (int i = 0; i < 200 && read < data.length; i++) {
            int n = s.tryRead(got, read, got.length - read);
            read += Math.max(0, n);
            net.runFor(5 * MS);
        }
        if (read < data.length) {
            fail("gave up waiting: " + read + " of " + data.length + " bytes arrived");
        }
        assertArrayEquals(data, got);
        c.close();
        s.close();
        net.runFor(SEC);

        int tcp = 0;
        int withData = 0;
        for (byte[] f : frames) {
            ByteBuffer b = ByteBuffer.wrap(f);
            if (b.getShort(12) != 0x0800 || f[14 + 9] != 6) {
                continue;
            }
            int ipOff = 14;
            int ipLen = b.getShort(ipOff + 2) & 0xFFFF;
            int tcpOff = ipOff + (f[ipOff] & 0x0F) * 4;
            int tcpLen = ipLen - (tcpOff - ipOff);
            int hdrLen = ((f[tcpOff + 12] & 0xF0) >>> 4) * 4;
            tcp++;
            withData += tcpLen > hdrLen ? 1 : 0;
            // Linux's layout: the signature first, NOP NOP 19 18.
            assertEquals(0x0101_1312, b.getInt(tcpOff + 20), "segment " + tcp + " starts its options with NOP NOP MD5");
            byte[] digest = Arrays.copyOfRange(f, tcpOff + 24, tcpOff + 40);
            assertArrayEquals(expectedDigest(f, ipOff, tcpOff, tcpLen, hdrLen, KEY), digest, "segment " + tcp + "'s signature");
            assertTrue(tcpLen <= 1500 - 20, "no segment exceeds the MTU");
            int flags = f[tcpOff + 13] & 0xFF;
            if ((flags & TcpSegment.SYN) != 0) {
                TcpOptions o = new TcpOptions();
                o.parse(b, tcpOff + 40, hdrLen - 40);
                // No room for timestamps beside the signature on the SYN (Linux's tcp_syn_options).
                assertTrue(!o.hasTimestamps(), "a signed SYN carries no timestamps");
            }
        }
        assertTrue(tcp >= 10 && withData >= 14, "segments seen: " + tcp + " (" + withData + " with data)");
        assertEquals(0, net.a.statistics().get(DropReason.TCP_MD5_FAILURE) + net.b.statistics().get(DropReason.TCP_MD5_FAILURE));
        assertEquals(0, net.b.statistics().get(DropReason.TCP_MD5_NOT_FOUND) + net.b.statistics().get(DropReason.TCP_MD5_UNEXPECTED));
    }

    /** Connects A to B with the given keys (null: none) and runs two seconds; returns the client. */
    private static TcpSocket attempt(VirtualNet net, byte[] clientKey, byte[] serverKey) throws Exception {
        TcpListener l = net.b.listenTcp(179, 8);
        if (serverKey != null) {
            l.setMd5Key(inet(VirtualNet.A_ADDR), serverKey);
        }
        TcpSocket c = net.a.connectTcp(VirtualNet.B_ADDR, 179);
        if (clientKey != null) {
            c.setMd5Key(inet(VirtualNet.B_ADDR), clientKey);
        }
        net.runFor(2 * SEC);
        assertEquals(null, l.accept(0, TimeUnit.NANOSECONDS), "no connection forms");
        return c;
    }

    @Test
    void aWrongKeyIsAFailureAndTheSynIsDropped() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpSocket c = attempt(net, KEY, "another key".getBytes(StandardCharsets.US_ASCII));
        assertNotEquals(TcpState.ESTABLISHED, c.state());
        // The first SYN and its retransmission (1 s RTO) within the two seconds.
        assertEquals(2, net.b.statistics().get(DropReason.TCP_MD5_FAILURE));
        assertEquals(0, net.b.statistics().get(DropReason.TCP_NO_SOCKET), "dropped before any reply");
    }

    @Test
    void aSignatureFromAPeerWithoutAKeyIsUnexpected() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpSocket c = attempt(net, KEY, null);
        assertNotEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(2, net.b.statistics().get(DropReason.TCP_MD5_UNEXPECTED));
    }

    @Test
    void anUnsignedSegmentToASocketWithAKeyIsNotFound() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpSocket c = attempt(net, null, KEY);
        assertNotEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(2, net.b.statistics().get(DropReason.TCP_MD5_NOT_FOUND));
    }

    @Test
    void withoutKeysNothingChanges() throws Exception {
        VirtualNet net = new VirtualNet();
        List<byte[]> frames = record(net);
        TcpListener l = net.b.listenTcp(179, 8);
        TcpSocket c = net.a.connectTcp(VirtualNet.B_ADDR, 179);
        net.runUntil(() -> c.state() == TcpState.ESTABLISHED, 5 * SEC);
        for (byte[] f : frames) {
            int tcpOff = 14 + (f[14] & 0x0F) * 4;
            if (f.length > tcpOff + 24 && f[14 + 9] == 6) {
                assertNotEquals(0x0101_1312, ByteBuffer.wrap(f).getInt(tcpOff + 20), "no signature without a key");
            }
        }
        assertEquals(0, net.b.statistics().get(DropReason.TCP_MD5_UNEXPECTED) + net.b.statistics().get(DropReason.TCP_MD5_NOT_FOUND));
    }
}
