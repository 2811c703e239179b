package io.tapwire.nio;

import org.junit.jupiter.api.Test;

import java.net.StandardProtocolFamily;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * UNIX-domain channels are not the stack's: asking tapwire's provider for one fails as the JDK's
 * provider fails for a family it lacks (UnsupportedOperationException, "Protocol family not
 * supported"), with the reason after it.
 */
class TapwireProviderFamilyTest {
    @Test
    void unixDomainChannelsAreRefusedWithTheReason() {
        try (NioWorld.Tapwire w = new NioWorld.Tapwire()) {
            TapwireSelectorProvider p = (TapwireSelectorProvider) w.serverProvider();
            String expected = "Protocol family not supported: tapwire's channels are INET and INET6 only, not UNIX";
            assertEquals(expected, assertThrows(UnsupportedOperationException.class,
                    () -> p.openSocketChannel(StandardProtocolFamily.UNIX)).getMessage());
            assertEquals(expected, assertThrows(UnsupportedOperationException.class,
                    () -> p.openServerSocketChannel(StandardProtocolFamily.UNIX)).getMessage());
            assertEquals(expected, assertThrows(UnsupportedOperationException.class,
                    () -> p.openDatagramChannel(StandardProtocolFamily.UNIX)).getMessage());
        }
    }
}
