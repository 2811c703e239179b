package io.tapwire.apps.http;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.StackRunner;
import io.tapwire.apps.evsvc.EventLoop;
import io.tapwire.apps.evsvc.EventService;
import io.tapwire.apps.evsvc.StreamServices;
import io.tapwire.apps.tcpsvc.EchoService;
import io.tapwire.link.VirtualDevice;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpSocket;
import io.tapwire.time.Clock;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.MacAddress;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link EventHttpServer} (and an echo service) on an event loop on stack B; clients on stack A,
 * across a virtual wire; each stack on its own runner thread with the real clock.
 */
final class EventTestServer implements HttpTestServer {
    static final int A_ADDR = Ipv4Address.parse("10.0.0.1");
    static final int B_ADDR = Ipv4Address.parse("10.0.0.2");
    static final int PORT = 80;

    private final EventLoop.Mode mode;
    private final VirtualDevice devA = new VirtualDevice("a", 1500, 1024);
    private final VirtualDevice devB = new VirtualDevice("b", 1500, 1024);
    final Stack a;
    final Stack b;
    private final StackRunner runA;
    private final StackRunner runB;
    private EventHttpServer server;
    private EventLoop loop;

    EventTestServer(EventLoop.Mode mode) {
        this.mode = mode;
        VirtualDevice.connect(devA, devB);
        a = new Stack(devA, config(A_ADDR, "02:00:00:00:00:01", 1));
        b = new Stack(devB, config(B_ADDR, "02:00:00:00:00:02", 2));
        runA = new StackRunner(a, devA, Clock.SYSTEM).busyPollNanos(0).start();
        runB = new StackRunner(b, devB, Clock.SYSTEM).busyPollNanos(0).start();
    }

    private static StackConfig config(int addr, String mac, long seed) {
        StackConfig c = new StackConfig();
        c.address = addr;
        c.mac = MacAddress.parse(mac);
        c.prefixLength = 24;
        c.seed = seed;
        return c;
    }

    @Override
    public void start(HttpConfig config) throws Exception {
        if (loop != null) {
            loop.close();
        }
        server = new EventHttpServer(config);
        List<EventService> services = List.of(server.service(PORT), StreamServices.echo());
        loop = EventLoop.start(b, services, mode, 4096, 1_000_000, SocketOptions.defaults().reuseAddress(true));
    }

    EventHttpServer server() {
        return server;
    }

    EventLoop loop() {
        return loop;
    }

    /** A connected tapwire socket to the server (for tests that read the body themselves). */
    TcpSocket connect() throws Exception {
        return TcpSocket.connect(a, B_ADDR, PORT, 10, TimeUnit.SECONDS);
    }

    @Override
    public RawHttpClient client(Duration readTimeout) throws Exception {
        return RawHttpClient.over(connect(), readTimeout);
    }

    @Override
    public long acceptedConnections() {
        return server.acceptedConnections();
    }

    @Override
    public long requestsServed() {
        return server.requestsServed();
    }

    @Override
    public int liveConnections() {
        return (int) loop.openConnections();
    }

    @Override
    public Connection connectEcho() throws Exception {
        TcpSocket s = TcpSocket.connect(a, B_ADDR, EchoService.PORT, 10, TimeUnit.SECONDS);
        return new Connection() {
            @Override
            public int localPort() {
                return s.tcb().localPort();
            }

            @Override
            public void close() {
                s.close();
            }
        };
    }

    @Override
    public String clientAddress() {
        return "10.0.0.1";
    }

    @Override
    public void close() {
        if (loop != null) {
            loop.close();
        }
        runA.close();
        runB.close();
    }
}
