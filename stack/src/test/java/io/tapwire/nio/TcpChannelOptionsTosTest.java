package io.tapwire.nio;

import org.junit.jupiter.api.Test;

import java.net.StandardSocketOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** IP_TOS set on a tapwire TCP channel becomes the stack socket's TOS (its DSCP bits; the ECN field is the stack's). */
class TcpChannelOptionsTosTest {
    @Test
    void ipTosReachesTheStackSocketsSettings() throws Exception {
        TcpChannelOptions o = new TcpChannelOptions();
        assertEquals(0, o.toSocketOptions().settings().tos(), "TOS 0 by default");
        o.set(StandardSocketOptions.IP_TOS, 0x2b, TcpChannelOptions.SOCKET);
        assertEquals(0x28, o.toSocketOptions().settings().tos(), "DSCP kept, ECN bits masked (Linux's ip_setsockopt for TCP)");
    }
}
