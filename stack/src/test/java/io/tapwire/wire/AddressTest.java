package io.tapwire.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** {@link MacAddress} and {@link Ipv4Address}: the packed forms and their text. */
class AddressTest {
    @Test
    void macParsesAndFormatsBothSeparators() {
        assertEquals(0x0200_0000_0002L, MacAddress.parse("02:00:00:00:00:02"));
        assertEquals(0xAABB_CCDD_EEFFL, MacAddress.parse("AA-BB-CC-DD-EE-FF"));
        assertEquals(0x0A0B_0C0D_0E0FL, MacAddress.parse("a:b:c:d:e:f"));
        assertEquals("aa:bb:cc:dd:ee:ff", MacAddress.toString(0xAABB_CCDD_EEFFL));
        assertEquals("00:00:00:00:00:00", MacAddress.toString(MacAddress.ZERO));
    }

    @Test
    void macWithTrailingSeparatorIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:00:00:00:00:02:"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:00:00:00:00:"));
    }

    @Test
    void macWithSignsOrLongOctetsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("+2:00:00:00:00:02"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("002:00:00:00:00:02"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("zz:00:00:00:00:02"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:00:00:00:00"));
    }

    @Test
    void macReadsAndWritesSixBytesInNetworkOrder() {
        ByteBuffer buf = ByteBuffer.allocate(10);
        MacAddress.write(buf, 2, 0x0102_0304_0506L);
        assertEquals("00000102030405060000", Bytes.hex(buf, 0, 10));
        assertEquals(0x0102_0304_0506L, MacAddress.read(buf, 2));
    }

    @Test
    void macMulticastIsTheLowBitOfTheFirstOctet() {
        assertTrue(MacAddress.isMulticast(MacAddress.BROADCAST));
        assertTrue(MacAddress.isMulticast(0x0100_5E00_0001L));
        assertFalse(MacAddress.isMulticast(0x0200_0000_0001L));
        for (int i = 0; i < 100; i++) {
            long mac = MacAddress.randomLocal();
            assertFalse(MacAddress.isMulticast(mac));
            assertEquals(0x02L, (mac >>> 40) & 0x03, "locally administered unicast");
        }
    }

    @Test
    void ipv4ParsesAndFormatsDottedQuads() {
        assertEquals(0x0A00_0002, Ipv4Address.parse("10.0.0.2"));
        assertEquals(0xC0A8_00C7, Ipv4Address.parse(" 192.168.0.199 "));
        assertEquals(Ipv4Address.BROADCAST, Ipv4Address.parse("255.255.255.255"));
        assertEquals("192.168.0.199", Ipv4Address.toString(0xC0A8_00C7));
        assertEquals("255.255.255.255", Ipv4Address.toString(-1));
    }

    @Test
    void ipv4WithTrailingDotIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("10.0.0.2."));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("10.0.0."));
    }

    @Test
    void ipv4WithSignsOrOutOfRangeOctetsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("10.0.0.256"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("+10.0.0.2"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("10.0.-0.2"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("10.0.0"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("10.0.0.x"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("10.0.0.0002"));
    }

    @Test
    void ipv4MasksAndClasses() {
        assertEquals(0, Ipv4Address.mask(0));
        assertEquals(0xFFFF_FF00, Ipv4Address.mask(24));
        assertEquals(-1, Ipv4Address.mask(32));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.mask(33));
        assertTrue(Ipv4Address.isMulticast(Ipv4Address.parse("224.0.0.1")));
        assertFalse(Ipv4Address.isMulticast(Ipv4Address.parse("10.0.0.1")));
        assertTrue(Ipv4Address.isLoopback(Ipv4Address.parse("127.0.0.1")));
    }
}
