package io.tapwire.apps.nio;

import io.tapwire.apps.Requirements;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A blocking java.net server ({@link ClassicEchoServerMain}: ServerSocket, a thread per
 * connection, no tapwire code) under {@code tapwire run}, whose sockets come from the installed
 * {@code TapwireSocketImplFactory}, echoing {@code nc} on the TAP.
 */
class RunClassicSocketIntegrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private RunSandbox sb;

    @AfterEach
    void stop() {
        if (sb != null) {
            sb.close();
        }
    }

    @Test
    void classicServerSocketEchoesNc() throws Exception {
        Requirements.sandboxWith("nc", "head", "sha256sum", "ss");
        sb = RunSandbox.start(ClassicEchoServerMain.class.getName(), "7008");
        sb.awaitListening(7008);
        assertFalse(sb.exec(TIMEOUT, "ss", "-ltn").stdout().contains(":7008"), "the Linux kernel must not be the one listening");
        Netns.Result small = sb.shell(TIMEOUT, "printf 'classic' | nc -N -w 5 " + RunSandbox.STACK + " 7008");
        assertEquals("classic", small.stdout(), small.stderr() + sb.output());
        Netns.Result big = sb.shell(TIMEOUT, "f=$(mktemp); head -c 300000 /dev/urandom > $f; "
                + "a=$(sha256sum < $f); b=$(nc -N -w 5 " + RunSandbox.STACK + " 7008 < $f | sha256sum); rm -f $f; "
                + "[ \"$a\" = \"$b\" ] && echo same || echo \"differ: $a / $b\"");
        assertEquals("same", big.stdout().strip(), big.stderr() + sb.output());
        long end = System.nanoTime() + 10_000_000_000L;
        while (!sb.output().contains("echoed for " + RunSandbox.HOST + ":")) {
            if (System.nanoTime() > end) {
                org.junit.jupiter.api.Assertions.fail("gave up waiting: the server never reported its peer\n" + sb.output());
            }
            Thread.sleep(20);
        }
        assertTrue(sb.output().contains("listening on 0.0.0.0/0.0.0.0:7008"), sb.output());
    }

    /** The IPv6 twin of {@link #classicServerSocketEchoesNc}: the classic java.net server reached as fd00::2. */
    @Test
    void classicServerSocketEchoesNcOverIpv6() throws Exception {
        Requirements.sandboxWith("nc", "head", "sha256sum");
        sb = RunSandbox.start(ClassicEchoServerMain.class.getName(), "7008");
        sb.awaitListening(7008);
        Netns.Result small = sb.shell(TIMEOUT, "printf 'classic over ipv6' | nc -6 -N -w 5 " + RunSandbox.STACK6 + " 7008");
        assertEquals("classic over ipv6", small.stdout(), small.stderr() + sb.output());
        Netns.Result big = sb.shell(TIMEOUT, "f=$(mktemp); head -c 300000 /dev/urandom > $f; "
                + "a=$(sha256sum < $f); b=$(nc -6 -N -w 5 " + RunSandbox.STACK6 + " 7008 < $f | sha256sum); rm -f $f; "
                + "[ \"$a\" = \"$b\" ] && echo same || echo \"differ: $a / $b\"");
        assertEquals("same", big.stdout().strip(), big.stderr() + sb.output());
        long end = System.nanoTime() + 10_000_000_000L;
        // The server prints its peer as getHostAddress does: fd00:0:0:0:0:0:0:1.
        String peer = java.net.InetAddress.getByName(RunSandbox.HOST6).getHostAddress();
        while (!sb.output().contains("echoed for " + peer + ":")) {
            if (System.nanoTime() > end) {
                org.junit.jupiter.api.Assertions.fail("gave up waiting: the server never reported its IPv6 peer\n" + sb.output());
            }
            Thread.sleep(20);
        }
    }
}
