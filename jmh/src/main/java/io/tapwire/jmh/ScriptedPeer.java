package io.tapwire.jmh;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.link.Descriptor;
import io.tapwire.link.DescriptorRing;
import io.tapwire.link.VirtualDevice;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.wire.ArpPacket;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.MacAddress;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * One stack (10.0.0.2) on an unjoined {@link VirtualDevice} and a scripted Linux-like peer
 * (10.0.0.1) that opens connections to it and then feeds it segments, the way the simulation tests'
 * {@code StackHarness} and {@code TcpPeer} do, but writing straight into the stack's RX ring and
 * reading its TX ring without allocating, so that a benchmark operation measures the stack.
 *
 * <p>The peer opens up to {@value #PORTS_PER_LISTENER} connections per listening port (source
 * ports {@value #PEER_PORT_BASE} upwards) to listeners on ports {@value #LISTEN_PORT_BASE}
 * upwards. Every segment carries timestamps; the SYN offers MSS 1460, SACK and window scale 7,
 * as Linux does. Per connection it keeps the next sequence number to send, the stack's highest
 * sequence seen (what it acknowledges) and the stack's last TSval (what it echoes).
 */
final class ScriptedPeer {
    static final int PEER = Ipv4Address.parse("10.0.0.1");
    static final long PEER_MAC = MacAddress.parse("02:00:00:00:00:01");
    static final int US = Ipv4Address.parse("10.0.0.2");
    static final long US_MAC = MacAddress.parse("02:00:00:00:00:02");
    static final int PEER_PORT_BASE = 10_000;
    static final int PORTS_PER_LISTENER = 50_000;
    static final int LISTEN_PORT_BASE = 5001;
    /** Linux's MSS over Ethernet with timestamps: 1460 - 12. */
    static final int MSS_PAYLOAD = 1448;
    /** Window field of the peer's segments: 65535 << 7, about 8 MB, never the limit. */
    private static final int WINDOW = 65535;
    private static final int WSCALE = 7;
    private static final int HANDSHAKE_BATCH = 128;

    final VirtualDevice dev;
    final Stack stack;
    final DescriptorRing rx;
    final DescriptorRing tx;
    final SegmentTemplate pureAck = new SegmentTemplate(PEER_MAC, PEER, US_MAC, US, TcpSegment.ACK, WINDOW, 0);
    final SegmentTemplate fullData = new SegmentTemplate(PEER_MAC, PEER, US_MAC, US, TcpSegment.ACK | TcpSegment.PSH, WINDOW,
            MSS_PAYLOAD);
    long now = 1_000_000_000L;
    private int tsVal = 1;

    private TcpListener[] listeners = new TcpListener[0];
    int connections;
    int[] peerPort = new int[0];
    int[] localPort = new int[0];
    /** The peer's next sequence number per connection. */
    int[] sndNxt = new int[0];
    /** The stack's highest sequence number seen per connection: the peer's cumulative ACK. */
    int[] rcvNxt = new int[0];
    /** The stack's last TSval per connection, echoed as TSecr. */
    int[] tsRecent = new int[0];
    TcpSocket[] sockets = new TcpSocket[0];
    /** Frames the stack transmitted that were not TCP segments of a known connection. */
    long otherFrames;
    /** TCP payload bytes the stack transmitted. */
    long payloadOut;

    private final EthernetFrame eth = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment seg = new TcpSegment();
    private final TcpOptions opts = new TcpOptions();

    ScriptedPeer(int ringSize) {
        StackConfig c = new StackConfig();
        c.address = US;
        c.mac = US_MAC;
        c.prefixLength = 24;
        c.seed = 1;
        c.arpGratuitousAtStart = false;
        c.disableIpv6 = true;   // an IPv4 peer script: no DAD or MLD frames at start
        dev = new VirtualDevice("jmh", 1500, ringSize);
        stack = new Stack(dev, c);
        rx = dev.rxRing();
        tx = dev.txRing();
        // The stack learns the peer's MAC as from Linux: an ARP request for its address.
        ByteBuffer arp = ByteBuffer.allocate(EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH);
        MacAddress.write(arp, EthernetFrame.DST, MacAddress.BROADCAST);
        MacAddress.write(arp, EthernetFrame.SRC, PEER_MAC);
        arp.putShort(EthernetFrame.ETHERTYPE, (short) EthernetFrame.TYPE_ARP);
        ArpPacket.write(arp, EthernetFrame.HEADER_LENGTH, ArpPacket.OP_REQUEST, PEER_MAC, PEER, 0, US);
        inject(arp, arp.capacity());
        settle();
    }

    /** Opens {@code n} connections (in batches of SYNs, SYN-ACKs and ACKs) and accepts them all. */
    void establish(int n) throws IOException {
        int listenerCount = (n + PORTS_PER_LISTENER - 1) / PORTS_PER_LISTENER;
        listeners = new TcpListener[listenerCount];
        for (int i = 0; i < listenerCount; i++) {
            listeners[i] = stack.listenTcp(LISTEN_PORT_BASE + i, 4096);
        }
        connections = n;
        peerPort = new int[n];
        localPort = new int[n];
        sndNxt = new int[n];
        rcvNxt = new int[n];
        tsRecent = new int[n];
        sockets = new TcpSocket[n];
        ByteBuffer syn = ByteBuffer.allocate(2048);
        TcpOptions synOptions = new TcpOptions().setMss(1460).setSackPermitted(true).setWindowScale(WSCALE);
        for (int base = 0; base < n; base += HANDSHAKE_BATCH) {
            int end = Math.min(n, base + HANDSHAKE_BATCH);
            for (int c = base; c < end; c++) {
                peerPort[c] = PEER_PORT_BASE + c % PORTS_PER_LISTENER;
                localPort[c] = LISTEN_PORT_BASE + c / PORTS_PER_LISTENER;
                int iss = 0x1000_0000 + c * 7919;
                synOptions.setTimestamps(nextTsVal(), 0);
                inject(syn, writeSyn(syn, peerPort[c], localPort[c], iss, synOptions));
                sndNxt[c] = iss + 1;
            }
            settle();
            for (int c = base; c < end; c++) {
                if (rcvNxt[c] == 0) {
                    throw new IllegalStateException("no SYN-ACK for connection " + c + " (" + stack.statistics().format() + ")");
                }
                sendAck(c);
            }
            settle();
            for (TcpListener l : listeners) {
                TcpSocket s;
                while ((s = l.accept(0, TimeUnit.NANOSECONDS)) != null) {
                    sockets[index(s.tcb().localPort(), s.tcb().remotePort())] = s;
                }
            }
            for (int c = base; c < end; c++) {
                if (sockets[c] == null) {
                    throw new IllegalStateException("connection " + c + " was not accepted (" + stack.statistics().format() + ")");
                }
            }
        }
    }

    private static int writeSyn(ByteBuffer b, int srcPort, int dstPort, int iss, TcpOptions options) {
        int optLen = options.encodedLength();
        int tcpLen = TcpSegment.MIN_HEADER_LENGTH + optLen;
        MacAddress.write(b, EthernetFrame.DST, US_MAC);
        MacAddress.write(b, EthernetFrame.SRC, PEER_MAC);
        b.putShort(EthernetFrame.ETHERTYPE, (short) EthernetFrame.TYPE_IPV4);
        Ipv4Packet.writeHeader(b, EthernetFrame.HEADER_LENGTH, 0, Ipv4Packet.MIN_HEADER_LENGTH + tcpLen, 0, Ipv4Packet.FLAG_DF,
                64, Ipv4Packet.PROTO_TCP, PEER, US);
        int tcp = SegmentTemplate.TCP;
        TcpSegment.writeHeader(b, tcp, srcPort, dstPort, iss, 0, tcpLen, TcpSegment.SYN, WINDOW, 0);
        options.write(b, tcp + TcpSegment.MIN_HEADER_LENGTH);
        new TcpSegment().wrapForWrite(b, tcp, tcpLen).fillChecksum(PEER, US);
        return tcp + tcpLen;
    }

    /** The connection index of a 4-tuple (the peer's port and the stack's). */
    static int index(int stackPort, int peerPortNumber) {
        return (stackPort - LISTEN_PORT_BASE) * PORTS_PER_LISTENER + peerPortNumber - PEER_PORT_BASE;
    }

    int nextTsVal() {
        return tsVal++;
    }

    /** Puts a pure ACK for connection {@code c} on the RX ring (acknowledging all the stack sent). */
    void sendAck(int c) {
        Descriptor d = claim();
        rx.publish(d, pureAck.write(d.buffer(), peerPort[c], localPort[c], sndNxt[c], rcvNxt[c], nextTsVal(), tsRecent[c]), now);
    }

    /** Puts the next full-sized, in-order data segment of connection {@code c} on the RX ring. */
    void sendData(int c) {
        Descriptor d = claim();
        int seq = sndNxt[c];
        sndNxt[c] = seq + MSS_PAYLOAD;
        rx.publish(d, fullData.write(d.buffer(), peerPort[c], localPort[c], seq, rcvNxt[c], nextTsVal(), tsRecent[c]), now);
    }

    private Descriptor claim() {
        Descriptor d = rx.claim();
        if (d == null) {
            throw new IllegalStateException("RX ring full: the benchmark forgot to poll");
        }
        return d;
    }

    private void inject(ByteBuffer frame, int length) {
        if (!dev.inject(frame, 0, length, now)) {
            throw new IllegalStateException("RX ring full");
        }
    }

    /**
     * Takes every frame off the TX ring, learning from each TCP segment of a known connection the
     * stack's next sequence number and TSval. Returns the frames taken. Allocates nothing.
     */
    int drainTx() {
        int n = 0;
        Descriptor d;
        while ((d = tx.peek()) != null) {
            learn(d.buffer(), d.length());
            tx.consume(d);
            n++;
        }
        return n;
    }

    private void learn(ByteBuffer b, int length) {
        if (eth.wrap(b, 0, length) != null || eth.etherType() != EthernetFrame.TYPE_IPV4
                || ip.wrap(b, EthernetFrame.HEADER_LENGTH, eth.payloadLength()) != null || ip.protocol() != Ipv4Packet.PROTO_TCP
                || seg.wrap(b, ip.payloadOffset(), ip.payloadLength()) != null) {
            otherFrames++;
            return;
        }
        int c = index(seg.srcPort(), seg.dstPort());
        if (c < 0 || c >= connections || peerPort[c] != seg.dstPort()) {
            otherFrames++;
            return;
        }
        int end = seg.seq() + seg.segmentLength();
        if (rcvNxt[c] == 0 || end - rcvNxt[c] > 0) {
            rcvNxt[c] = end;
        }
        payloadOut += seg.payloadLength();
        if (seg.options(opts) == null && opts.hasTimestamps()) {
            tsRecent[c] = opts.tsVal();
        }
    }

    /** Polls the stack at the current time and drains what it sent. */
    int poll() {
        stack.poll(now);
        return drainTx();
    }

    /** Polls and drains until the RX ring is empty and the stack has nothing more to send now. */
    void settle() {
        for (int i = 0; i < 1_000_000; i++) {
            long next = stack.poll(now);
            int sent = drainTx();
            if (sent == 0 && rx.pending() == 0 && next > now) {
                return;
            }
        }
        throw new IllegalStateException("the stack did not settle");
    }
}
