package io.tapwire.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Ipv6AddressTest {
    @Test
    void parsesAndFormatsTheRfc5952CanonicalForm() {
        assertEquals("fd00::2", Ipv6Address.parse("fd00:0:0:0:0:0:0:2").toString());
        assertEquals("2001:db8::1:0:0:1", Ipv6Address.parse("2001:0db8:0:0:1:0:0:1").toString());
        assertEquals("2001:db8:0:1:1:1:1:1", Ipv6Address.parse("2001:db8:0:1:1:1:1:1").toString());
        assertEquals("::", Ipv6Address.parse("::").toString());
        assertEquals("::1", Ipv6Address.parse("::1").toString());
        assertEquals("fe80::", Ipv6Address.parse("fe80::").toString());
        assertEquals("::ffff:10.0.0.2", "::ffff:" + Ipv4Address.toString((int) Ipv6Address.parse("::ffff:10.0.0.2").lo()));
        assertEquals(new Ipv6Address(0xfd00_0000_0000_0000L, 2), Ipv6Address.parse("[fd00::2]"));
    }

    @Test
    void refusesMalformedText() {
        assertThrows(IllegalArgumentException.class, () -> Ipv6Address.parse("fd00::2::3"));
        assertThrows(IllegalArgumentException.class, () -> Ipv6Address.parse("1:2:3:4:5:6:7"));
        assertThrows(IllegalArgumentException.class, () -> Ipv6Address.parse("1:2:3:4:5:6:7:8:9"));
        assertThrows(IllegalArgumentException.class, () -> Ipv6Address.parse("1:2:3:4::5:6:7:8"));
        assertThrows(IllegalArgumentException.class, () -> Ipv6Address.parse("fd00::g"));
        assertThrows(IllegalArgumentException.class, () -> Ipv6Address.parse("fd00::12345"));
        assertThrows(IllegalArgumentException.class, () -> Ipv6Address.parse("10.0.0.2"));
    }

    @Test
    void linkLocalAddressIsTheModifiedEui64OfTheMac() {
        // RFC 4291 appendix A: 00:11:22:33:44:55 gives the identifier 0211:22ff:fe33:4455.
        assertEquals("fe80::211:22ff:fe33:4455", Ipv6Address.linkLocalFromMac(MacAddress.parse("00:11:22:33:44:55")).toString());
        // A locally administered MAC loses its U/L bit.
        assertEquals("fe80::ff:fe00:2", Ipv6Address.linkLocalFromMac(MacAddress.parse("02:00:00:00:00:02")).toString());
    }

    @Test
    void solicitedNodeGroupAndItsEthernetAddress() {
        Ipv6Address a = Ipv6Address.parse("fd00::12:3456:789a");
        assertEquals("ff02::1:ff56:789a", a.solicitedNode().toString());
        assertEquals("33:33:ff:56:78:9a", MacAddress.toString(Ipv6Address.multicastMac(a.solicitedNode().lo())));
        assertEquals("33:33:00:00:00:01", MacAddress.toString(Ipv6Address.multicastMac(Ipv6Address.ALL_NODES.lo())));
    }

    @Test
    void classifiesAddresses() {
        assertTrue(Ipv6Address.parse("ff02::1").isMulticast());
        assertFalse(Ipv6Address.parse("fd00::1").isMulticast());
        assertTrue(Ipv6Address.parse("fe80::1").isLinkLocal());
        assertTrue(Ipv6Address.parse("febf::1").isLinkLocal());
        assertFalse(Ipv6Address.parse("fec0::1").isLinkLocal());
        assertTrue(Ipv6Address.parse("::").isUnspecified());
        assertTrue(Ipv6Address.isV4Mapped(0, Ipv6Address.parse("::ffff:1.2.3.4").lo()));
        Ipv6Address a = Ipv6Address.parse("fd00::2");
        Ipv6Address b = Ipv6Address.parse("fd00::1:2");
        assertTrue(Ipv6Address.samePrefix(a.hi(), a.lo(), b.hi(), b.lo(), 64));
        assertTrue(Ipv6Address.samePrefix(a.hi(), a.lo(), b.hi(), b.lo(), 96));
        assertFalse(Ipv6Address.samePrefix(a.hi(), a.lo(), b.hi(), b.lo(), 112));
        assertFalse(Ipv6Address.samePrefix(a.hi(), a.lo(), 0xfd01_0000_0000_0000L, a.lo(), 64));
    }
}
