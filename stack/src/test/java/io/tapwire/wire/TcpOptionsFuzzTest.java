package io.tapwire.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Fuzzes the TCP options parser (RFC 9293 section 3.2, RFC 7323, RFC 2018): any options area of up
 * to 40 bytes parses or is refused as BAD_OPTION, never with an exception or an endless loop;
 * {@link TcpOptions#validate} and {@link TcpOptions#parse} agree; a refused area leaves nothing
 * behind; and what parses, written back in Linux's layout and in BSD's, parses to the same options
 * (with the SACK blocks that fit beside them).
 */
class TcpOptionsFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void optionsParseOrAreRefused(byte[] input) {
        byte[] area = input.length > TcpOptions.MAX_LENGTH ? java.util.Arrays.copyOf(input, TcpOptions.MAX_LENGTH) : input;
        ByteBuffer buf = WireFuzz.place(area);
        TcpOptions o = new TcpOptions().setMss(1).setTimestamps(2, 3);
        WireFuzz.refusesRegionsPastTheBuffer(buf, area.length, r -> o.parse(buf, r[0], r[1]));
        WireError e = o.parse(buf, WireFuzz.OFFSET, area.length);
        assertEquals(e, TcpOptions.validate(buf, WireFuzz.OFFSET, area.length), "validate and parse agree");
        TcpOptions.Parsed parsed = TcpOptions.Parsed.parse(o);
        if (e != null) {
            assertEquals(WireError.BAD_OPTION, e);
            assertEquals(TcpOptions.Parsed.parse(new TcpOptions()), parsed, "a refused list leaves no options behind");
            return;
        }
        if (parsed.windowScale() > TcpOptions.MAX_WINDOW_SCALE) {
            return; // parsed as received; only the TCP layer clamps it (RFC 7323 section 2.3), emit refuses it
        }
        TcpOptions again = new TcpOptions();
        parsed.emit(again);
        int blocks = again.writableSackBlocks();
        for (boolean bsd : new boolean[] {false, true}) {
            ByteBuffer out = ByteBuffer.allocate(TcpOptions.MAX_LENGTH);
            int n = bsd ? again.writeBsd(out, 0) : again.write(out, 0);
            assertEquals(bsd ? again.encodedLengthBsd() : again.encodedLength(), n);
            TcpOptions back = new TcpOptions();
            assertNull(back.parse(out, 0, n), "our own layout parses");
            TcpOptions.Parsed reparsed = TcpOptions.Parsed.parse(back);
            int kept = reparsed.sackBlocks().size();
            assertEquals(new TcpOptions.Parsed(parsed.mss(), parsed.windowScale(), parsed.sackPermitted(), parsed.timestamps(),
                    parsed.tsVal(), parsed.tsEcr(), parsed.sackBlocks().subList(0, kept)), reparsed, (bsd ? "BSD" : "Linux") + " layout");
            if (!bsd) {
                assertEquals(blocks, kept, "the SACK blocks that fit are written");
            }
        }
    }
}
