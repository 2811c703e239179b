package io.tapwire.apps.nio;

import io.tapwire.apps.Requirements;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A server with a virtual thread per connection ({@link VirtualThreadEchoServerMain}, Java 21+)
 * under {@code tapwire run}: tapwire's blocking sockets and channels must park a virtual thread
 * that waits (unmount it from its carrier), as the JDK's own do, or one carrier could serve only
 * one connection. Twenty {@code nc} clients hold their connections open together, each sending a
 * line, waiting two seconds and sending another, against a server whose virtual threads share a
 * single carrier that is never replaced.
 */
class RunVirtualThreadsIntegrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int CLIENTS = 20;
    private RunSandbox sb;

    @AfterEach
    void stop() {
        if (sb != null) {
            sb.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"socket", "channel"})
    void twentyConnectionsShareOneCarrierThread(String api) throws Exception {
        assumeTrue(Runtime.version().feature() >= 21,
                "virtual threads need Java 21 or later; this JVM is " + Runtime.version() + " (the Java 25 pass runs it)");
        Requirements.sandboxWith("nc", "mktemp", "grep");
        sb = RunSandbox.start(VirtualThreadEchoServerMain.class.getName(), "7020", api);
        sb.awaitListening(7020);
        // awaitListening's probe was a connection too: the clients' are the next twenty.
        Netns.Result r = sb.shell(TIMEOUT, "d=$(mktemp -d); pids=''; "
                + "for i in $(seq " + CLIENTS + "); do "
                + "(printf 'hello %s\\n' $i; sleep 2; printf 'bye %s\\n' $i) | nc -N -w 10 " + RunSandbox.STACK + " 7020 > $d/$i & "
                + "pids=\"$pids $!\"; done; wait $pids; ok=0; "
                + "for i in $(seq " + CLIENTS + "); do grep -qx \"hello $i\" $d/$i && grep -qx \"bye $i\" $d/$i && ok=$((ok+1)); done; "
                + "rm -rf $d; echo \"$ok of " + CLIENTS + "\"");
        assertEquals(CLIENTS + " of " + CLIENTS, r.stdout().strip(), "clients that got both lines back\n" + r.stderr() + sb.output());
        String out = sb.awaitOutput("listening with " + (api.equals("socket") ? "java.net.ServerSocket" : "io.tapwire.nio.TapServerSocketChannel"));
        // All twenty were open at once (each holds its connection two seconds), on one carrier.
        assertTrue(out.contains("open " + CLIENTS + ","), "twenty connections open at once\n" + out);
        assertTrue(out.lines().filter(l -> l.startsWith("open ")).allMatch(l -> l.endsWith("carriers 1")),
                "every connection served by the one carrier\n" + out);
        assertFalse(out.contains("connection failed"), out);
    }
}
