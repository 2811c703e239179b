package io.tapwire.apps.control;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.StackRunner;
import io.tapwire.link.VirtualDevice;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.UdpSocket;
import io.tapwire.time.Clock;
import io.tapwire.wire.Ipv4Address;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The control socket on a stack over a virtual device (no TAP): requests, answers, the socket file's life. */
class ControlServerTest {
    @TempDir
    Path dir;
    private VirtualDevice device;
    private StackRunner runner;
    private Stack stack;

    @BeforeEach
    void start() {
        StackConfig c = new StackConfig();
        c.address = Ipv4Address.parse("10.0.0.2");
        c.prefixLength = 24;
        device = new VirtualDevice("ctl", 1500, 64);
        stack = new Stack(device, c);
        runner = new StackRunner(stack, device, Clock.SYSTEM).start();
    }

    @AfterEach
    void stop() {
        runner.close();
        device.close();
    }

    @Test
    void socketsListListenersAndUdpAndCountersCarryTheInstance() throws Exception {
        TcpListener l = stack.listenTcp(8080, 16);
        UdpSocket u = stack.openUdp().bind(5353);
        Path path = dir.resolve("a.sock");
        try (ControlServer server = ControlServer.start(stack, path)) {
            List<String> sockets = ControlClient.ask(path, "sockets");
            assertEquals(2, sockets.size(), sockets.toString());
            SocketRow listener = SocketRow.decode(sockets.get(0));
            assertEquals("LISTEN", listener.state());
            assertEquals(8080, listener.localPort());
            assertEquals(16, listener.sendQ(), "Send-Q of a listener: its backlog");
            SocketRow udp = SocketRow.decode(sockets.get(1));
            assertEquals("udp", udp.netid());
            assertEquals("UNCONN", udp.state());
            assertEquals(5353, udp.localPort());
            List<String> counters = ControlClient.ask(path, "counters");
            assertEquals("#tapwire " + server.instance(), counters.get(0));
            assertTrue(counters.contains("TcpInSegs 0"), counters.toString());
            IOException bad = assertThrows(IOException.class, () -> ControlClient.ask(path, "frobnicate"));
            assertTrue(bad.getMessage().contains("unknown request"), bad.getMessage());
        } finally {
            l.close();
            u.close();
        }
        assertFalse(Files.exists(path), "close removes the socket file");
    }

    @Test
    void aLiveSocketIsNotTakenOverButAStaleOneIsReplaced() throws Exception {
        Path path = dir.resolve("b.sock");
        try (ControlServer first = ControlServer.start(stack, path)) {
            IOException e = assertThrows(IOException.class, () -> ControlServer.start(stack, path));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
        // A socket file left by a process that died: bound, then closed without unlinking.
        Path stale = dir.resolve("c.sock");
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(stale));
        dead.close();
        assertTrue(Files.exists(stale));
        try (ControlServer s = ControlServer.start(stack, stale)) {
            assertTrue(ControlClient.ask(stale, "counters").get(0).startsWith("#tapwire "));
        }
    }

    @Test
    void noSocketFileGivesAMessageThatSaysWhatToDo() {
        IOException e = assertThrows(IOException.class, () -> ControlClient.ask(dir.resolve("none.sock"), "sockets"));
        assertTrue(e.getMessage().contains("is 'tapwire up' running?"), e.getMessage());
    }
}
