package io.tapwire.apps;

import io.tapwire.Stat;
import io.tapwire.tap.Netns;
import io.tapwire.wire.MacAddress;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ARP between the Linux side of the TAP and the stack. */
class ArpIntegrationTest extends SandboxTestBase {
    private static final Pattern REPLY = Pattern.compile("Unicast reply from 10\\.0\\.0\\.2 \\[([0-9A-Fa-f:]{17})\\]");

    @Override
    String[] tools() {
        return new String[] {"arping", "ping"};
    }

    @Test
    void arpingResolvesTheStacksMac() {
        Netns.Result r = exec("arping", "-c", "3", "-w", "5", "-I", Sandbox.TAP_NAME, STACK);
        List<String> macs = new ArrayList<>();
        Matcher m = REPLY.matcher(r.stdout());
        while (m.find()) {
            macs.add(m.group(1).toLowerCase(Locale.ROOT));
        }
        String expected = MacAddress.toString(sandbox.config().mac);
        assertEquals(List.of(expected, expected, expected), macs, describe(r));
        assertTrue(r.stdout().contains("Received 3 response(s)"), describe(r));
        assertTrue(stat(Stat.ARP_REPLIES_SENT) >= 3);
    }

    @Test
    void kernelNeighbourEntryCarriesTheStacksMacAfterPing() {
        assertEquals(1, ping("-n", "-c", "1", "-W", "2").received());
        Netns.Result r = exec("ip", "neigh", "show", STACK, "dev", Sandbox.TAP_NAME);
        assertTrue(r.stdout().contains("lladdr " + MacAddress.toString(sandbox.config().mac)), describe(r));
    }
}
