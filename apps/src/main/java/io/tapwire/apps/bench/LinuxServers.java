package io.tapwire.apps.bench;

import io.tapwire.apps.http.HttpServer;
import io.tapwire.apps.net.JavaNetListener;
import io.tapwire.apps.tcpsvc.ChargenService;
import io.tapwire.apps.tcpsvc.ConnectionRegistry;
import io.tapwire.apps.tcpsvc.DiscardService;
import io.tapwire.apps.tcpsvc.EchoService;
import io.tapwire.apps.tcpsvc.StreamServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The Linux baseline's servers: tapwire's own service classes (echo 7, discard 9, byte source 19,
 * HTTP 80, the same code {@code TcpServices} runs on tapwire) over {@link JavaNetListener}, that is
 * over the kernel's TCP. Run it in the veth peer namespace so that the only difference from the
 * tapwire run is the TCP/IP stack under the servers:
 *
 * <pre>
 * ip netns exec NS java -cp tapwire.jar io.tapwire.apps.bench.LinuxServers --bind 10.0.0.2 --services echo,discard,chargen,http
 * </pre>
 *
 * <p>Prints {@code ready ...} once every listener is bound, then serves until its standard input
 * reaches EOF (or it is killed).
 */
public final class LinuxServers {
    private LinuxServers() {
    }

    public static void main(String[] args) throws Exception {
        Cli cli = Cli.parse(args);
        run(cli.get("bind", "10.0.0.2"), cli.get("services", "echo,discard,chargen,http"));
    }

    static void run(String bind, String services) throws IOException {
        InetAddress address = InetAddress.getByName(bind);
        ConnectionRegistry registry = new ConnectionRegistry();
        List<StreamServer> servers = new ArrayList<>();
        try {
            for (String s : services.split(",")) {
                StreamServer server = switch (s.trim()) {
                    case "echo" -> new EchoService(JavaNetListener.bind(new InetSocketAddress(address, EchoService.PORT)), registry);
                    case "discard" -> new DiscardService(JavaNetListener.bind(new InetSocketAddress(address, DiscardService.PORT)), registry);
                    case "chargen" -> new ChargenService(JavaNetListener.bind(new InetSocketAddress(address, ChargenService.PORT)), registry);
                    case "http" -> new HttpServer(JavaNetListener.bind(new InetSocketAddress(address, HttpServer.PORT)), registry);
                    default -> throw new IllegalArgumentException("unknown service " + s + " (echo, discard, chargen, http)");
                };
                server.start();
                servers.add(server);
            }
            System.out.println("ready services=" + services + " bind=" + bind);
            System.out.flush();
            // Serve until the parent closes our input (or goes away).
            while (System.in.read() >= 0) {
                // ignore input
            }
        } finally {
            for (StreamServer s : servers) {
                s.close();
            }
        }
        System.exit(0);
    }
}
