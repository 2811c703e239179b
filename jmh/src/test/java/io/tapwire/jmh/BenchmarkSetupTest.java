package io.tapwire.jmh;

import io.tapwire.Stat;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.TcpSegment;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmarks measure what they name: their set-up builds the state they claim, one operation
 * does the work they describe, and their end-of-run checks catch a stack that dropped the frames.
 * Counts and bytes only; nothing here is timed.
 */
class BenchmarkSetupTest {

    @Test
    void segmentTemplateChecksumsVerifyForEveryFieldValue() {
        SegmentTemplate t = new SegmentTemplate(ScriptedPeer.PEER_MAC, ScriptedPeer.PEER, ScriptedPeer.US_MAC, ScriptedPeer.US,
                TcpSegment.ACK | TcpSegment.PSH, 65535, ScriptedPeer.MSS_PAYLOAD);
        ByteBuffer b = ByteBuffer.allocateDirect(2048);
        int[][] fields = {{10000, 5001, 0, 0, 0, 0}, {65535, 65535, -1, -1, -1, -1}, {12345, 80, 0x7fffffff, 0x80000000, 17, 99}};
        for (int[] f : fields) {
            int len = t.write(b, f[0], f[1], f[2], f[3], f[4], f[5]);
            assertEquals(1514, len);
            Ipv4Packet ip = new Ipv4Packet();
            assertNull(ip.wrap(b, EthernetFrame.HEADER_LENGTH, len - EthernetFrame.HEADER_LENGTH));
            assertTrue(ip.checksumValid());
            TcpSegment s = new TcpSegment();
            assertNull(s.wrap(b, ip.payloadOffset(), ip.payloadLength()));
            assertTrue(s.checksumValid(ScriptedPeer.PEER, ScriptedPeer.US), "TCP checksum for fields " + java.util.Arrays.toString(f));
            assertEquals(f[2], s.seq());
            assertEquals(ScriptedPeer.MSS_PAYLOAD, s.payloadLength());
        }
    }

    @Test
    void scriptedPeerEstablishesEveryConnectionAcrossListeners() throws Exception {
        ScriptedPeer peer = new ScriptedPeer(256);
        int n = ScriptedPeer.PORTS_PER_LISTENER + 300;
        peer.establish(n);
        assertEquals(n, peer.stack.statistics().get(Stat.TCP_PASSIVE_OPENS));
        for (int c = 0; c < n; c += 997) {
            assertEquals(TcpState.ESTABLISHED, peer.sockets[c].state());
            assertEquals(peer.peerPort[c], peer.sockets[c].tcb().remotePort());
            assertEquals(peer.localPort[c], peer.sockets[c].tcb().localPort());
        }
        assertEquals(ScriptedPeer.LISTEN_PORT_BASE + 1, peer.localPort[n - 1]);
        Checks.noDrops(peer.stack);
    }

    @Test
    void demuxDataSegmentsReachTheConnectionTheyAreFor() throws Exception {
        DemuxBenchmark b = new DemuxBenchmark();
        b.connections = 1000;
        b.setup();
        for (int i = 0; i < 3000; i++) {
            assertTrue(b.dataSegment() >= ScriptedPeer.MSS_PAYLOAD);
        }
        assertEquals(3000L * ScriptedPeer.MSS_PAYLOAD, b.bytesRead);
        b.check();
    }

    @Test
    void demuxPureAcksAreAcceptedAndAnswerNothing() throws Exception {
        DemuxBenchmark b = new DemuxBenchmark();
        b.connections = 1000;
        b.setup();
        long in = b.peer.stack.statistics().get(Stat.TCP_IN_SEGS);
        for (int i = 0; i < 3000; i++) {
            assertEquals(0, b.pureAck());
        }
        assertEquals(in + 3000, b.peer.stack.statistics().get(Stat.TCP_IN_SEGS));
        b.check();
    }

    @Test
    void tcpInputDeliversEveryByteOneByOneAndInBatches() throws Exception {
        TcpInputBenchmark b = new TcpInputBenchmark();
        b.setup();
        long out = b.peer.stack.statistics().get(Stat.TCP_OUT_SEGS);
        for (int i = 0; i < 2000; i++) {
            b.oneSegment();
        }
        for (int i = 0; i < 200; i++) {
            b.batchOf32();
        }
        assertEquals((2000L + 200 * TcpInputBenchmark.BATCH) * ScriptedPeer.MSS_PAYLOAD, b.bytesRead);
        // The stack acknowledged the data (at least every second full segment, RFC 9293 3.8.6.3).
        long acks = b.peer.stack.statistics().get(Stat.TCP_OUT_SEGS) - out;
        assertTrue(acks >= (2000 + 200 * TcpInputBenchmark.BATCH) / 2, acks + " ACKs");
        b.check();
    }

    @Test
    void tcpOutputSendsEveryByteTheApplicationWrites() throws Exception {
        for (int size : new int[] {1448, 65536}) {
            TcpOutputBenchmark b = new TcpOutputBenchmark();
            b.size = size;
            b.setup();
            for (int i = 0; i < 50; i++) {
                b.write();
            }
            long before = b.written;
            for (int i = 0; i < 500; i++) {
                b.write();
            }
            assertEquals(500L * size, b.written - before, "the application's writes were all taken (size " + size + ")");
            long unsent = b.written - b.peer.payloadOut;
            assertTrue(unsent >= 0 && unsent < ScriptedPeer.MSS_PAYLOAD, unsent + " bytes not sent (size " + size + ")");
            b.check();
        }
    }

    @Test
    void roundTripEchoesTheRequest() throws Exception {
        RoundTripBenchmark b = new RoundTripBenchmark();
        b.setup();
        for (int i = 0; i < 2000; i++) {
            java.util.Arrays.fill(b.reply, (byte) 0);
            assertEquals(RoundTripBenchmark.SIZE, b.echo());
            assertArrayEquals(b.request, b.reply);
        }
        b.check();
    }

    @Test
    void parseReadsTheFieldsOfBothFrames() {
        for (String frame : new String[] {"ack", "data"}) {
            ParseBenchmark b = new ParseBenchmark();
            b.frame = frame;
            b.setup();
            boolean data = frame.equals("data");
            long expected = (ScriptedPeer.US_MAC ^ ScriptedPeer.PEER_MAC ^ EthernetFrame.TYPE_IPV4)
                    + (ScriptedPeer.PEER ^ ScriptedPeer.US)
                    + (Ipv4Packet.PROTO_TCP + 64 + Ipv4Packet.FLAG_DF + 0)
                    + (40000 + 5001 + 0x12345678 + 0x9abcdef0 + (TcpSegment.ACK | (data ? TcpSegment.PSH : 0)) + 65535)
                    + (66 + (data ? ScriptedPeer.MSS_PAYLOAD : 0));
            assertEquals(expected, b.headers(), frame);
            assertEquals(expected + 1000 + 2000, b.headersAndOptions(), frame + ": the options add TSval and TSecr");
        }
    }

    @Test
    void endOfRunCheckFailsWhenTheStackDroppedTheBenchmarksFrames() throws Exception {
        ScriptedPeer peer = new ScriptedPeer(256);
        peer.establish(1);
        peer.sendData(0);
        // A corrupted payload byte: the stack must drop the segment for its checksum.
        var d = peer.rx.at(peer.rx.producerPosition() - 1);
        d.buffer().put(100, (byte) (d.buffer().get(100) ^ 1));
        peer.poll();
        assertThrows(IllegalStateException.class, () -> Checks.noDrops(peer.stack));
        assertThrows(IllegalStateException.class, () -> Checks.delivered(ScriptedPeer.MSS_PAYLOAD, 0));
    }
}
