package io.tapwire.apps.http;

import io.tapwire.apps.net.JavaNetListener;
import io.tapwire.apps.tcpsvc.ConnectionRegistry;
import io.tapwire.apps.tcpsvc.EchoService;

import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;

/** {@link HttpServer} on a loopback java.net listener, with an echo service on the same registry. */
final class BlockingTestServer implements HttpTestServer {
    private final ConnectionRegistry registry = new ConnectionRegistry();
    private JavaNetListener listener;
    private HttpServer server;
    private JavaNetListener echoListener;
    private EchoService echo;

    @Override
    public void start(HttpConfig config) throws Exception {
        if (server != null) {
            server.close();
        }
        listener = JavaNetListener.loopback(0);
        server = new HttpServer(listener, registry, config);
        server.start();
    }

    int port() {
        return listener.port();
    }

    @Override
    public RawHttpClient client(Duration readTimeout) throws Exception {
        return new RawHttpClient(listener.port(), readTimeout);
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
        return registry.size();
    }

    @Override
    public Connection connectEcho() throws Exception {
        if (echo == null) {
            echoListener = JavaNetListener.loopback(0);
            echo = new EchoService(echoListener, registry);
            echo.start();
        }
        Socket s = new Socket(InetAddress.getLoopbackAddress(), echoListener.port());
        return new Connection() {
            @Override
            public int localPort() {
                return s.getLocalPort();
            }

            @Override
            public void close() throws Exception {
                s.close();
            }
        };
    }

    @Override
    public String clientAddress() {
        return "127.0.0.1";
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        if (echo != null) {
            echo.close();
        }
    }
}
