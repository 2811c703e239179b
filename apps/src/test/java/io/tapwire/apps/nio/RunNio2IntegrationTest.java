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
 * A server on NIO.2's asynchronous channels ({@link Nio2EchoServerMain}, no tapwire code) started
 * with {@code tapwire run}: the installed AsynchronousChannelProvider is tapwire's, so its
 * listener is on the stack (the kernel of the namespace is not listening) and echoes nc exactly,
 * over IPv4 and IPv6. (The NIO.2 client side is in {@link RunHttpClientIntegrationTest}.)
 */
class RunNio2IntegrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private RunSandbox sb;

    @AfterEach
    void stop() {
        if (sb != null) {
            sb.close();
        }
    }

    @Test
    void asynchronousEchoServerEchoesNcOnTheStack() {
        Requirements.sandboxWith("nc", "head", "sha256sum", "ss");
        sb = RunSandbox.start(Nio2EchoServerMain.class.getName(), "7009");
        sb.awaitListening(7009);
        assertFalse(sb.exec(TIMEOUT, "ss", "-ltn").stdout().contains(":7009"), "the Linux kernel must not be the one listening");
        sb.awaitOutput("(io.tapwire.nio.TapwireAsynchronousChannelProvider)");
        Netns.Result small = sb.shell(TIMEOUT, "printf 'hello nio2' | nc -N -w 5 " + RunSandbox.STACK + " 7009");
        assertEquals("hello nio2", small.stdout(), small.stderr() + sb.output());
        Netns.Result big = sb.shell(TIMEOUT, "f=$(mktemp); head -c 300000 /dev/urandom > $f; "
                + "a=$(sha256sum < $f); b=$(nc -N -w 5 " + RunSandbox.STACK + " 7009 < $f | sha256sum); rm -f $f; "
                + "[ \"$a\" = \"$b\" ] && echo same || echo \"differ: $a / $b\"");
        assertEquals("same", big.stdout().strip(), big.stderr() + sb.output());
        Netns.Result many = sb.shell(TIMEOUT, "d=$(mktemp -d); for i in $(seq 1 20); do (printf \"client $i\" | nc -N -w 5 "
                + RunSandbox.STACK + " 7009 > $d/$i) & done; wait; for i in $(seq 1 20); do cat $d/$i; echo; done; rm -rf $d");
        for (int i = 1; i <= 20; i++) {
            assertTrue(many.stdout().lines().anyMatch(("client " + i)::equals), "client " + i + " not echoed:\n" + many.stdout() + sb.output());
        }
        sb.awaitListening6(7009);
        Netns.Result v6 = sb.shell(TIMEOUT, "printf 'hello nio2 over ipv6' | nc -6 -N -w 5 " + RunSandbox.STACK6 + " 7009");
        assertEquals("hello nio2 over ipv6", v6.stdout(), v6.stderr() + sb.output());
    }
}
