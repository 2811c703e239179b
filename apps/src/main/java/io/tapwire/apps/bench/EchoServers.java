package io.tapwire.apps.bench;

import io.tapwire.apps.Sandbox;
import io.tapwire.apps.VethPair;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.apps.tcpsvc.EchoService;
import io.tapwire.tap.Netns;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The echo servers {@code tapwire bench echo-qps} compares: tapwire's echo service behind a TAP in
 * each of its I/O models, and the kernel over a veth pair with the C servers of
 * {@code apps/src/main/c}. Each measurement starts its server in fresh namespaces, so nothing
 * (TIME_WAIT entries, JIT state of a previous mode's code paths aside) carries over.
 */
final class EchoServers {
    private EchoServers() {
    }

    /**
     * tapwire's echo server I/O models: blocking sockets (thread per connection), readiness
     * (epoll-style Poller event loop) and completion (io_uring-style ring).
     */
    enum TapwireIo {
        BLOCKING("blocking", "EchoService, a thread per connection on blocking tapwire sockets"),
        EPOLL("epoll", "echo on the readiness API (Poller, epoll semantics)"),
        URING("uring", "echo on the completion API (io_uring-style ring)");

        final String name;
        final String description;

        TapwireIo(String name, String description) {
            this.name = name;
            this.description = description;
        }

        static TapwireIo parse(String s) {
            for (TapwireIo io : values()) {
                if (io.name.equals(s.trim())) {
                    return io;
                }
            }
            throw new IllegalArgumentException("unknown tapwire I/O model '" + s + "'; choose from blocking, epoll, uring");
        }

        /** The sandbox that runs tapwire's echo service on port 7 in this model. */
        Sandbox.Options sandboxOptions() {
            return new Sandbox.Options().udpEcho(false).tcpServices(new TcpServices.Selection(true, false, false, false))
                    .io(TcpServices.IoModel.valueOf(name()));
        }
    }

    /** One server under test: how it is named in the table and in JSON, and where it listens. */
    record Server(String id, String label, String detail, int port, TapwireIo tapwireIo, String cProgram) {
        boolean isTapwire() {
            return tapwireIo != null;
        }

        static Server tapwire(TapwireIo io) {
            return new Server("tapwire_" + io.name, "tapwire " + io.name, io.description + ", behind a TAP", EchoService.PORT, io, null);
        }

        /** The Linux epoll baseline: the ratios are to this one. Port 2048 as in the seed notes. */
        static Server linuxEpoll() {
            return new Server("linux_epoll", "Linux epoll", "C epoll_echo (one thread, level-triggered), kernel TCP over veth", 2048,
                    null, "epoll_echo");
        }

        /** Port 9999 as in the seed notes. */
        static Server linuxUring() {
            return new Server("linux_uring", "Linux io_uring", "C uring_echo (one thread, liburing, multishot accept), kernel TCP over veth",
                    9999, null, "uring_echo");
        }
    }

    /**
     * A started server: where its clients run, what went wrong with it (it died, its stack thread
     * failed; null while healthy), and how to stop it and delete its namespaces.
     */
    record Running(Side side, Supplier<String> trouble, Runnable stop) implements AutoCloseable {
        @Override
        public void close() {
            stop.run();
        }
    }

    /** The client namespace's ephemeral ports for connect(2), widened from Linux's 32768-60999. */
    static final String CLIENT_PORT_RANGE = "1024 65535";

    /**
     * Widens the ephemeral port range of the client namespace (a per-namespace setting). The
     * accepts run leaves a client port in TIME_WAIT per connection; Linux 6.x gives connect(2)
     * the even ports first and, once those are all taken, searches the whole range on every
     * connect, which turns the run into a measurement of the port search. 1024-65535 has 32256
     * even ports, more than the run uses.
     */
    static void widenClientPorts(Netns client) {
        client.run("sh", "-c", "echo '" + CLIENT_PORT_RANGE + "' > /proc/sys/net/ipv4/ip_local_port_range");
    }

    /** Starts tapwire's echo service in {@code io} in a fresh sandbox. */
    static Running startTapwire(TapwireIo io) {
        Sandbox sb = Sandbox.start(io.sandboxOptions());
        try {
            widenClientPorts(sb.netns());
        } catch (RuntimeException e) {
            sb.close();
            throw e;
        }
        return new Running(Side.tapwire(sb),
                () -> sb.stackFailure() == null ? null : "the tapwire stack thread failed: " + sb.stackFailure(), sb::close);
    }

    /** Starts the compiled C server {@code binary} at 10.0.0.2:{@code port} in the peer namespace of a fresh veth pair. */
    static Running startLinux(Path binary, int port) {
        VethPair veth = VethPair.create();
        NsProcess server;
        try {
            widenClientPorts(veth.host());
            server = NsProcess.start(veth.peer(), binary.getFileName().toString(),
                    List.of(binary.toString(), Sandbox.STACK_ADDRESS, Integer.toString(port)));
            try {
                server.awaitPrefix("ready", Duration.ofSeconds(15));
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
        } catch (RuntimeException e) {
            veth.close();
            throw e;
        }
        return new Running(Side.linux(veth), () -> server.alive() ? null : binary.getFileName() + " exited: " + server.tail(), () -> {
            try {
                server.close();
            } finally {
                veth.close();
            }
        });
    }
}
