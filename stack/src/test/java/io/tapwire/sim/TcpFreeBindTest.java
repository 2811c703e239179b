package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

import java.net.BindException;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.RST;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * IP_FREEBIND (Linux): a listener may bind an address the stack does not own; without it the
 * bind fails (EADDRNOTAVAIL). Such a listener takes only segments to its own address: a SYN to the
 * stack's address on that port finds no socket and is answered with a RST.
 */
class TcpFreeBindTest {
    private static final int FOREIGN = Ipv4Address.parse("10.0.0.99");

    @Test
    void aForeignAddressNeedsFreeBindAndItsListenerTakesOnlyItsOwnAddress() throws Exception {
        StackHarness h = new StackHarness();
        h.introducePeer();
        assertThrows(BindException.class, () -> h.stack.listenTcp(FOREIGN, 8080, 4, SocketOptions.defaults()));
        TcpListener l = h.stack.listenTcp(FOREIGN, 8080, 4, SocketOptions.defaults().freeBind(true));
        assertEquals(8080, l.port());
        TcpPeer p = new TcpPeer(h, 40000);
        p.send(8080, 1000, 0, SYN, 1024, 1460, new byte[0]);
        TcpPeer.Seg r = p.one();
        assertEquals(RST | ACK, r.flags(), "no listener for the stack's own address on the port");
        assertEquals(1, h.stack.statistics().get(DropReason.TCP_NO_SOCKET));
        l.close();
        // The wildcard listener, as before, takes it.
        h.stack.listenTcp(0, 8080, 4, SocketOptions.defaults());
        p.send(8080, 2000, 0, SYN, 1024, 1460, new byte[0]);
        assertEquals(SYN | ACK, p.one().flags());
    }
}
