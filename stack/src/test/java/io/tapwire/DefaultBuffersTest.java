package io.tapwire;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DefaultBuffersTest {
    @Test
    void anEthernetLinkKeepsTheConfiguredDefaults() {
        // 20 segments of 1460 bytes are 29,200: less than tcp_rmem's 128 KiB and tapwire's 256 KiB send default.
        assertEquals(new DefaultBuffers(131072, 262144), DefaultBuffers.forLink(new StackConfig(), 1500));
    }

    @Test
    void aLoopbackSizedMtuRaisesBothToTwentySegments() {
        int segment = 65521 - 40;
        assertEquals(new DefaultBuffers(20 * segment, 20 * segment), DefaultBuffers.forLink(new StackConfig(), 65521));
    }

    @Test
    void jumboFramesRaiseOnlyTheSmallerDefault() {
        // 20 x 8960 = 179,200 is above the receive default, below the send default.
        assertEquals(new DefaultBuffers(179_200, 262_144), DefaultBuffers.forLink(new StackConfig(), 9000));
    }

    @Test
    void theMaximaCapThemAndLargerConfiguredDefaultsStay() {
        StackConfig capped = new StackConfig();
        capped.tcpRmemMax = 512 * 1024;
        capped.tcpWmemMax = 768 * 1024;
        assertEquals(new DefaultBuffers(512 * 1024, 768 * 1024), DefaultBuffers.forLink(capped, 65521));

        StackConfig large = new StackConfig();
        large.tcpRmemDefault = 4 << 20;
        large.tcpWmemDefault = 3 << 20;
        assertEquals(new DefaultBuffers(4 << 20, 3 << 20), DefaultBuffers.forLink(large, 65521));
    }
}
