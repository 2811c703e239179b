package io.tapwire.apps.nio;

import io.tapwire.apps.Requirements;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty 4.1 servers on its NIO transport ({@link NettyEchoServerMain}, {@link NettyHttpServerMain};
 * Netty's code unmodified, no tapwire code in the programs) started with {@code tapwire run} in a
 * private namespace, serving nc, curl and ab on the TAP; and programs that prefer Netty's native
 * epoll transport ({@link NettyNativeFirstEchoServerMain}, and gRPC on its shaded Netty,
 * {@link GrpcEchoMain}), which must still end up on tapwire.
 */
class RunNettyIntegrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private RunSandbox sb;

    @AfterEach
    void stop() {
        if (sb != null) {
            sb.close();
        }
    }

    @Test
    void echoServerEchoesNcExactly() {
        Requirements.sandboxWith("nc", "head", "sha256sum", "ss");
        sb = RunSandbox.start(NettyEchoServerMain.class.getName(), "7007");
        sb.awaitListening(7007);
        assertFalse(sb.exec(TIMEOUT, "ss", "-ltn").stdout().contains(":7007"), "the Linux kernel must not be the one listening");
        Netns.Result small = sb.shell(TIMEOUT, "printf 'hello netty' | nc -N -w 5 " + RunSandbox.STACK + " 7007");
        assertEquals("hello netty", small.stdout(), small.stderr() + sb.output());
        // 100 kB of random bytes there and back, compared by hash on the Linux side.
        Netns.Result big = sb.shell(TIMEOUT, "f=$(mktemp); head -c 100000 /dev/urandom > $f; "
                + "a=$(sha256sum < $f); b=$(nc -N -w 5 " + RunSandbox.STACK + " 7007 < $f | sha256sum); rm -f $f; "
                + "[ \"$a\" = \"$b\" ] && echo same || echo \"differ: $a / $b\"");
        assertEquals("same", big.stdout().strip(), big.stderr() + sb.output());
        // Several clients at once.
        Netns.Result many = sb.shell(TIMEOUT, "d=$(mktemp -d); for i in $(seq 1 20); do (printf \"client $i\" | nc -N -w 5 "
                + RunSandbox.STACK + " 7007 > $d/$i) & done; wait; for i in $(seq 1 20); do cat $d/$i; echo; done; rm -rf $d");
        for (int i = 1; i <= 20; i++) {
            assertTrue(many.stdout().lines().anyMatch(("client " + i)::equals), "client " + i + " not echoed:\n" + many.stdout() + sb.output());
        }
    }

    /**
     * A program that takes Netty's native epoll transport when it loads (gRPC and Reactor Netty do)
     * would bypass tapwire's provider and serve on the kernel: {@code tapwire run} turns Netty's
     * native transports off (io.netty.transport.noNative), so it takes NIO, which is tapwire's.
     */
    @Test
    void aProgramPreferringNettysEpollTransportStillServesOnTapwire() {
        Requirements.sandboxWith("nc", "ss");
        // Without tapwire run, in this JVM, the program would take epoll: the test shows something.
        assertTrue(io.netty.channel.epoll.Epoll.isAvailable(), "Netty's epoll transport must load here for this test to mean anything: "
                + io.netty.channel.epoll.Epoll.unavailabilityCause());
        sb = RunSandbox.start(NettyNativeFirstEchoServerMain.class.getName(), "7007");
        sb.awaitListening(7007);
        assertTrue(sb.output().contains("transport nio (epoll unavailable: Native transport was explicit disabled"), sb.output());
        assertFalse(sb.exec(TIMEOUT, "ss", "-ltn").stdout().contains(":7007"), "the Linux kernel must not be the one listening");
        Netns.Result r = sb.shell(TIMEOUT, "printf 'native first' | nc -N -w 5 " + RunSandbox.STACK + " 7007");
        assertEquals("native first", r.stdout(), r.stderr() + sb.output());
    }

    /**
     * A gRPC server (grpc-java on its shaded Netty, {@link GrpcEchoMain}; a server the issue did not
     * name), called over HTTP/2 by a gRPC client on the Linux kernel in the namespace. gRPC takes
     * its native epoll transport whenever it loads, which would put the server on the kernel;
     * {@code tapwire run} switches that off (gRPC's relocated io.netty.transport.noNative), so it
     * serves on NIO, which is tapwire's.
     */
    @Test
    void grpcServerAnswersALinuxSideClientOverHttp2() {
        Requirements.sandboxWith("ss");
        // In this JVM gRPC's epoll loads, so under tapwire run it is the switch that keeps it off.
        assertTrue(io.grpc.netty.shaded.io.netty.channel.epoll.Epoll.isAvailable(),
                "gRPC's epoll transport must load here for this test to mean anything: "
                        + io.grpc.netty.shaded.io.netty.channel.epoll.Epoll.unavailabilityCause());
        sb = RunSandbox.start(GrpcEchoMain.class.getName(), "server", "50051");
        sb.awaitListening(50051);
        // Printed once start() has returned, which may be after the port answers.
        sb.awaitOutput("GrpcEchoMain: serving on port 50051, epoll unavailable: Native transport was explicit disabled");
        assertFalse(sb.exec(TIMEOUT, "ss", "-ltn").stdout().contains(":50051"), "the Linux kernel must not be the one listening");
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        // 200 unary calls of 100 kB each (HTTP/2 flow control windows, many frames per message).
        Netns.Result client = sb.exec(Duration.ofSeconds(90), java, "-Xmx256m", "-cp", cp, GrpcEchoMain.class.getName(), "client",
                RunSandbox.STACK, "50051", "100000", "200");
        assertTrue(client.stdout().contains("echoed 200 calls, sha256 " + Bodies.sha256(100_000)),
                client.stdout() + client.stderr() + sb.output());
    }

    @Test
    void httpServerServesCurlAndAb() {
        Requirements.sandboxWith("curl", "ab", "nc", "sha256sum");
        sb = RunSandbox.start(NettyHttpServerMain.class.getName(), "8080");
        sb.awaitListening(8080);
        Netns.Result r = sb.exec(TIMEOUT, "curl", "-sS", "http://" + RunSandbox.STACK + ":8080/");
        assertEquals("hello\n", r.stdout(), r.stderr() + sb.output());
        Netns.Result big = sb.shell(TIMEOUT, "curl -sS http://" + RunSandbox.STACK + ":8080/bytes/500000 | sha256sum");
        assertEquals(Bodies.sha256(500000) + "  -", big.stdout().strip(), big.stderr() + sb.output());
        for (String ka : new String[] {"", "-k"}) {
            Netns.Result ab = sb.shell(TIMEOUT, "ab -q " + ka + " -n 1000 -c 16 http://" + RunSandbox.STACK + ":8080/bytes/1000");
            assertTrue(ab.stdout().contains("Complete requests:      1000"), ab.stdout() + ab.stderr() + sb.output());
            assertTrue(ab.stdout().contains("Failed requests:        0"), ab.stdout() + sb.output());
        }
    }

    /** The IPv6 twin of {@link #echoServerEchoesNcExactly}: the same unmodified server, reached as fd00::2. */
    @Test
    void echoServerEchoesNcOverIpv6() {
        Requirements.sandboxWith("nc", "head", "sha256sum", "ss");
        sb = RunSandbox.start(NettyEchoServerMain.class.getName(), "7007");
        sb.awaitListening(7007);
        Netns.Result small = sb.shell(TIMEOUT, "printf 'hello netty over ipv6' | nc -6 -N -w 5 " + RunSandbox.STACK6 + " 7007");
        assertEquals("hello netty over ipv6", small.stdout(), small.stderr() + sb.output());
        Netns.Result big = sb.shell(TIMEOUT, "f=$(mktemp); head -c 100000 /dev/urandom > $f; "
                + "a=$(sha256sum < $f); b=$(nc -6 -N -w 5 " + RunSandbox.STACK6 + " 7007 < $f | sha256sum); rm -f $f; "
                + "[ \"$a\" = \"$b\" ] && echo same || echo \"differ: $a / $b\"");
        assertEquals("same", big.stdout().strip(), big.stderr() + sb.output());
        // The connection the Linux side holds is an IPv6 one to the stack (not to a kernel socket).
        Netns.Result held = sb.shell(TIMEOUT, "(sleep 2 | nc -6 -w 5 " + RunSandbox.STACK6 + " 7007 > /dev/null &) ; sleep 0.5; ss -tn6 state established");
        assertTrue(held.stdout().contains("[" + RunSandbox.STACK6 + "]:7007"), held.stdout() + sb.output());
    }

    /** The IPv6 twin of {@link #httpServerServesCurlAndAb}. */
    @Test
    void httpServerServesCurlAndAbOverIpv6() {
        Requirements.sandboxWith("curl", "ab", "sha256sum");
        sb = RunSandbox.start(NettyHttpServerMain.class.getName(), "8080");
        sb.awaitListening(8080);
        String base = "http://[" + RunSandbox.STACK6 + "]:8080";
        Netns.Result r = sb.exec(TIMEOUT, "curl", "-sS", "-g", "-w", "\n%{remote_ip}", base + "/");
        assertEquals("hello\n\n" + RunSandbox.STACK6, r.stdout(), r.stderr() + sb.output());
        Netns.Result big = sb.shell(TIMEOUT, "curl -sS -g '" + base + "/bytes/500000' | sha256sum");
        assertEquals(Bodies.sha256(500000) + "  -", big.stdout().strip(), big.stderr() + sb.output());
        for (String ka : new String[] {"", "-k"}) {
            Netns.Result ab = sb.shell(TIMEOUT, "ab -q " + ka + " -n 1000 -c 16 '" + base + "/bytes/1000'");
            assertTrue(ab.stdout().contains("Complete requests:      1000"), ab.stdout() + ab.stderr() + sb.output());
            assertTrue(ab.stdout().contains("Failed requests:        0"), ab.stdout() + sb.output());
        }
    }
}
