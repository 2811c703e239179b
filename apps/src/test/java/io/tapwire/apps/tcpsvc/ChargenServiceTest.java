package io.tapwire.apps.tcpsvc;

import io.tapwire.apps.net.JavaNetListener;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ChargenServiceTest {
    /** Line 0 of RFC 864's pattern: the first 72 printable ASCII characters. */
    private static final String LINE_0 =
            " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefg\r\n";
    /** Line 94: starts at '~' and wraps around to the start of the ring. */
    private static final String LINE_94 =
            "~ !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdef\r\n";

    /** RFC 864: line n holds characters n .. n+71 (mod 95) of the printable ring, then CR LF. */
    private static byte expected(long offset) {
        long line = offset / 74;
        int col = (int) (offset % 74);
        if (col == 72) {
            return '\r';
        }
        if (col == 73) {
            return '\n';
        }
        return (byte) (' ' + (line + col) % 95);
    }

    @Test
    void periodsRepeatTheWholePatternToAtLeastTheAskedSize() {
        byte[] cycle = ChargenService.pattern();
        byte[] block = ChargenService.periods(64 * 1024);
        assertEquals(10 * cycle.length, block.length, "the fewest whole periods holding 64 KiB (7,030 bytes each)");
        for (int i = 0; i < block.length; i++) {
            assertEquals(cycle[i % cycle.length], block[i], "byte " + i);
        }
        assertEquals(cycle.length, ChargenService.periods(1).length);
    }

    @Test
    void patternFollowsRfc864() {
        byte[] cycle = ChargenService.pattern();
        assertEquals(95 * 74, cycle.length);
        assertEquals(LINE_0, new String(cycle, 0, 74, StandardCharsets.US_ASCII));
        assertEquals(LINE_94, new String(cycle, 94 * 74, 74, StandardCharsets.US_ASCII));
        for (int i = 0; i < 3 * cycle.length; i++) {
            assertEquals(expected(i), ChargenService.byteAt(i), "offset " + i);
        }
    }

    @Test
    void sendsThePatternUntilThePeerClosesThenTheHandlerEnds() throws Exception {
        ConnectionRegistry registry = new ConnectionRegistry();
        try (JavaNetListener listener = JavaNetListener.loopback(0);
             ChargenService chargen = new ChargenService(listener, registry)) {
            chargen.start();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
                s.setSoTimeout(10_000);
                byte[] got = s.getInputStream().readNBytes(50_000);
                assertEquals(50_000, got.length);
                for (int i = 0; i < got.length; i++) {
                    assertEquals(expected(i), got[i], "offset " + i);
                }
                // Data from the client is thrown away; the stream goes on.
                s.getOutputStream().write("ignored\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] more = s.getInputStream().readNBytes(10_000);
                for (int i = 0; i < more.length; i++) {
                    assertEquals(expected(50_000 + i), more[i], "offset " + (50_000 + i));
                }
                assertEquals(1, registry.size());
                assertEquals("chargen", registry.snapshot().get(0).service());
            }
            // The client's close turns the next writes into a reset: the handler ends cleanly.
            Await.until("the chargen handler to end", () -> registry.size() == 0);
            assertEquals(0, chargen.liveConnections());
        }
    }

    @Test
    void halfClosedClientKeepsReceiving() throws Exception {
        try (JavaNetListener listener = JavaNetListener.loopback(0);
             ChargenService chargen = new ChargenService(listener)) {
            chargen.start();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
                s.setSoTimeout(10_000);
                s.shutdownOutput();
                byte[] got = s.getInputStream().readNBytes(200_000);
                assertEquals(200_000, got.length);
                assertEquals(expected(199_999), got[199_999]);
                assertEquals(1, chargen.liveConnections());
            }
        }
    }
}
