package io.tapwire.apps;

import org.junit.jupiter.api.Test;

import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The default MTU of up and run: --mtu when given, else the TAP's, else a new TAP's 1500. */
class TapMtuTest {
    @Test
    void anExplicitMtuWinsWithoutLookingAtTheDevice() {
        assertEquals(1400, TapMtu.resolve(1400, null, "no-such-tap-xyz"));
    }

    @Test
    void aTapThatDoesNotExistYetGetsANewTapsMtu() {
        assertEquals(1500, TapMtu.resolve(null, null, "no-such-tap-xyz"));
    }

    @Test
    void theMtuIsReadFromIpLinkOutput() {
        assertEquals(OptionalInt.of(65521), TapMtu.parse(
                "7: tap0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 65521 qdisc fq_codel state DOWN mode DEFAULT group default qlen 1000"
                        + "\\    link/ether 6e:2f:09:7d:18:1a brd ff:ff:ff:ff:ff:ff"));
        assertEquals(OptionalInt.empty(), TapMtu.parse("Device \"tap0\" does not exist."));
    }
}
