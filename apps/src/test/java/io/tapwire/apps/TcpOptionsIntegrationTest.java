package io.tapwire.apps;

import io.tapwire.apps.services.TcpServices;
import io.tapwire.tap.Netns;
import io.tapwire.tcp.TcpLayer;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RFC 7323 and RFC 2018 negotiated with the Linux kernel: {@code ss -ti} on the Linux side shows
 * window scaling with the stack's shift and a send MSS of 1448 (1460 less the 12-byte timestamp
 * option, so timestamps are on); the stack's {@code tcp_info} shows timestamps and SACK on.
 */
class TcpOptionsIntegrationTest extends TcpSandboxTestBase {
    @Override
    String[] tools() {
        return new String[] {"ss", "head"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        return new Sandbox.Options().tcpServices(TcpServices.Selection.all());
    }

    /** The send MSS with timestamps on: 1500 - 20 - 20 - 12 over IPv4 (the IPv6 twin: - 40 - 20 - 12 = 1428). */
    int mssWithTimestamps() {
        return 1448;
    }

    @Test
    void linuxSeesTimestampsSackAndWindowScalingNegotiated() throws Exception {
        // A Linux client connects to discard (9), sends 100 kB and holds the connection open until
        // both sides have been looked at (see connectAndHold).
        CompletableFuture<Netns.Result> client = connectAndHold(target(), 9, 100_000);
        TcpLayer.TcpInfoEntry stackSide = awaitEstablished(9, client);
        assertTrue(stackSide.info().timestamps() && stackSide.info().sack(), stackSide.toString());
        assertEquals(mssWithTimestamps(), stackSide.info().sndMss(), stackSide.toString());
        assertEquals(2, stackSide.info().rcvWscale(), "the stack's shift for a 131072-byte buffer");

        // ss reads an IPv6 address's last colon as a port separator: brackets keep it whole.
        Netns.Result ss = ssWhileEstablishing(target().indexOf(':') >= 0 ? "[" + target() + "]" : target(), client);
        String out = ss.stdout();
        assertTrue(out.contains("ESTAB"), () -> noEstablishedConnection(ss, client));
        // This machine's ss (iproute2 6.1 on a newer kernel) prints no "ts"/"sack" flags even
        // between two Linux sockets, so timestamps show in Linux's MSS (1460 less the 12-byte
        // option) and SACK in the stack's view (it requires SACK-permitted in Linux's SYN).
        assertTrue(out.matches("(?s).*\\bwscale:2,\\d+\\b.*"), "window scaling (peer shift 2) not negotiated:\n" + out);
        assertTrue(out.matches("(?s).*(?<![a-z_])mss:" + mssWithTimestamps() + "\\b.*"),
                "Linux's send MSS is not " + mssWithTimestamps() + ":\n" + out);

        awaitReceived(9, 100_000, client);
        releaseHeldConnections();
        Netns.Result r = client.get(30, TimeUnit.SECONDS);
        assertEquals(0, r.exitCode(), describe(r));
    }
}
