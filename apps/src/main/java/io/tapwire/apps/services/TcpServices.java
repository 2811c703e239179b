package io.tapwire.apps.services;

import io.tapwire.Stack;
import io.tapwire.socket.SocketOptions;
import io.tapwire.apps.http.HttpConfig;
import io.tapwire.apps.evsvc.CompletionServer;
import io.tapwire.apps.evsvc.EventLoop;
import io.tapwire.apps.evsvc.EventService;
import io.tapwire.apps.evsvc.StreamServices;
import io.tapwire.apps.http.EventHttpServer;
import io.tapwire.apps.http.HttpServer;
import io.tapwire.apps.net.TapwireListener;
import io.tapwire.apps.tcpsvc.ChargenService;
import io.tapwire.apps.tcpsvc.ConnectionRegistry;
import io.tapwire.apps.tcpsvc.DiscardService;
import io.tapwire.apps.tcpsvc.EchoService;
import io.tapwire.apps.tcpsvc.StreamServer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The TCP services {@code tapwire up} runs on a stack: echo (7), discard (9), byte source (19) and
 * HTTP (80). With {@link IoModel#BLOCKING} each service runs with blocking sockets, a thread per
 * connection (at most 256 per service), and they share one live-connection registry that the HTTP
 * index page lists. With {@link IoModel#EPOLL} all four run on one {@link EventLoop} on the stack
 * thread (readiness API, no thread per connection, a connection limit derived from the heap
 * instead of 256); HTTP is the {@link EventHttpServer}, whose index page lists the loop's
 * connections.
 */
public final class TcpServices implements AutoCloseable {
    /** Which services to run. */
    public record Selection(boolean echo, boolean discard, boolean chargen, boolean http) {
        public static Selection all() {
            return new Selection(true, true, true, true);
        }

        public static Selection none() {
            return new Selection(false, false, false, false);
        }

        public boolean any() {
            return echo || discard || chargen || http;
        }
    }

    /** How the services use the socket API. */
    public enum IoModel {
        /** Blocking sockets, a thread per connection (at most 256 each). */
        BLOCKING,
        /** The readiness API (epoll semantics), one event loop on the stack thread for every service. */
        EPOLL,
        /** The completion API (io_uring semantics), a proactor on the stack thread. */
        URING;

        /** Parses {@code blocking}, {@code epoll} or {@code uring}, case-insensitive. */
        public static IoModel parse(String s) {
            for (IoModel m : values()) {
                if (m.name().equalsIgnoreCase(s.trim())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown I/O model '" + s + "': use blocking, epoll or uring");
        }
    }

    private static final int BACKLOG = 128;
    /** Event-driven listeners ask for Linux's somaxconn (4096): many clients connect at once. */
    private static final int EVENT_BACKLOG = 4096;

    private final List<StreamServer> servers = new ArrayList<>();
    private final ConnectionRegistry registry = new ConnectionRegistry();
    private final List<String> descriptions = new ArrayList<>();
    private EventLoop loop;
    private CompletionServer uring;
    private io.tapwire.apps.dash.DashboardSampler dashboard;

    private TcpServices() {
    }

    /** Starts the selected services on {@code stack}, blocking sockets. */
    public static TcpServices start(Stack stack, Selection which) throws IOException {
        return start(stack, which, IoModel.BLOCKING);
    }

    /** Starts the selected services on {@code stack} with the given I/O model. */
    public static TcpServices start(Stack stack, Selection which, IoModel io) throws IOException {
        TcpServices s = new TcpServices();
        try {
            if (io == IoModel.URING && (which.echo() || which.discard() || which.chargen())) {
                s.uring = CompletionServer.start(stack, which.echo(), which.discard(), which.chargen(), EVENT_BACKLOG,
                        SocketOptions.defaults());
                if (which.echo()) {
                    s.descriptions.add("TCP echo on 7 (completion rings on the stack thread)");
                }
                if (which.discard()) {
                    s.descriptions.add("discard on 9 (completion rings on the stack thread)");
                }
                if (which.chargen()) {
                    s.descriptions.add("byte source on 19 (completion rings on the stack thread)");
                }
                which = new Selection(false, false, false, which.http());
            }
            if (io == IoModel.EPOLL || io == IoModel.URING) {
                // With URING the stream services run on completion rings (above); HTTP, and
                // anything else left, runs on the event loop.
                List<EventService> services = new ArrayList<>();
                if (which.echo()) {
                    services.add(StreamServices.echo());
                }
                if (which.discard()) {
                    services.add(StreamServices.discard());
                }
                if (which.chargen()) {
                    services.add(StreamServices.chargen());
                }
                if (which.http()) {
                    services.add(new EventHttpServer(HttpConfig.defaults().withStatus(() -> status(stack))
                            .withDashboard(s.dashboard(stack))).service());
                }
                if (!services.isEmpty()) {
                    s.loop = EventLoop.start(stack, services, EventLoop.Mode.STACK, EVENT_BACKLOG,
                            EventLoop.defaultMaxConnections(), SocketOptions.defaults());
                    for (EventService e : services) {
                        s.descriptions.add(e.name() + " on " + e.port() + " (event loop on the stack thread)");
                    }
                }
                which = Selection.none();
            }
            if (which.echo()) {
                s.add(new EchoService(TapwireListener.listen(stack, EchoService.PORT, BACKLOG), s.registry), "TCP echo on 7");
            }
            if (which.discard()) {
                s.add(new DiscardService(TapwireListener.listen(stack, DiscardService.PORT, BACKLOG), s.registry), "discard on 9");
            }
            if (which.chargen()) {
                s.add(new ChargenService(TapwireListener.listen(stack, ChargenService.PORT, BACKLOG), s.registry), "byte source on 19");
            }
            if (which.http()) {
                HttpConfig config = HttpConfig.defaults().withStatus(() -> status(stack)).withDashboard(s.dashboard(stack));
                s.add(new HttpServer(TapwireListener.listen(stack, HttpServer.PORT, BACKLOG), s.registry, config), "HTTP on 80");
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private static String status(Stack stack) {
        StringBuilder sb = new StringBuilder(stack.statistics().format());
        sb.append("Connections:\n");
        stack.tcp().connections().forEach(c -> {
            sb.append("    ").append(c).append('\n');
            // The connection's congestion-event log: CA state changes with cwnd and ssthresh.
            c.caEvents().forEach(e -> sb.append("        ").append(e).append('\n'));
        });
        return sb.toString();
    }

    private void add(StreamServer server, String description) {
        server.start();
        servers.add(server);
        descriptions.add(description);
    }

    /** The live dashboard's sampler (made with the HTTP server; it samples only while watched). */
    private io.tapwire.apps.dash.DashboardSampler dashboard(Stack stack) {
        if (dashboard == null) {
            dashboard = io.tapwire.apps.dash.DashboardSampler.of(stack);
        }
        return dashboard;
    }

    /** The sampler behind {@code /dashboard}, or null when HTTP does not run. */
    public io.tapwire.apps.dash.DashboardSampler dashboard() {
        return dashboard;
    }

    /** Human-readable list of what runs. */
    public List<String> descriptions() {
        return List.copyOf(descriptions);
    }

    public ConnectionRegistry registry() {
        return registry;
    }

    /** The event loop serving the event-driven services, or null with blocking sockets. */
    public EventLoop eventLoop() {
        return loop;
    }

    /** The completion-ring server of the event-driven services with {@link IoModel#URING}, or null. */
    public CompletionServer completionServer() {
        return uring;
    }

    @Override
    public void close() {
        if (dashboard != null) {
            dashboard.close();
        }
        if (loop != null) {
            loop.close();
            loop = null;
        }
        if (uring != null) {
            uring.close();
            uring = null;
        }
        for (StreamServer s : servers) {
            s.close();
        }
        servers.clear();
    }
}
