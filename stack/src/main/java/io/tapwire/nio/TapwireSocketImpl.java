package io.tapwire.nio;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOptions;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * The {@link SocketImpl} behind classic {@code java.net.Socket} and {@code ServerSocket} when
 * {@link TapwireSocketImplFactory} is installed: a client is a tapwire {@link SocketChannel} in
 * blocking mode used through its adaptor, a server a tapwire {@link ServerSocketChannel}, so
 * blocking java.net programs run on the stack as NIO programs do. Options set before the
 * connection exists are kept and applied when it does.
 */
final class TapwireSocketImpl extends SocketImpl {
    private final TapwireSelectorProvider provider;
    private final TcpChannelOptions pending = new TcpChannelOptions();
    private int timeoutMillis;
    private InetAddress bindAddress;
    private int bindPort;
    private SocketChannel client;
    private ServerSocketChannel server;

    TapwireSocketImpl(TapwireSelectorProvider provider) {
        this.provider = provider;
    }

    @Override
    protected void create(boolean stream) throws IOException {
        if (!stream) {
            throw new IOException("tapwire: datagram sockets through a SocketImpl are not supported; use DatagramChannel");
        }
    }

    @Override
    protected void connect(String host, int port) throws IOException {
        connect(new InetSocketAddress(host, port), 0);
    }

    @Override
    protected void connect(InetAddress address, int port) throws IOException {
        connect(new InetSocketAddress(address, port), 0);
    }

    @Override
    protected void connect(SocketAddress remote, int timeout) throws IOException {
        SocketChannel ch = provider.openSocketChannel();
        applyPending(ch);
        if (bindAddress != null) {
            ch.bind(new InetSocketAddress(bindAddress, bindPort));
        }
        client = ch;
        Socket adaptor = ch.socket();
        adaptor.setSoTimeout(timeoutMillis);
        adaptor.connect(remote, timeout);
        InetSocketAddress r = (InetSocketAddress) ch.getRemoteAddress();
        address = r.getAddress();
        port = r.getPort();
        localport = ((InetSocketAddress) ch.getLocalAddress()).getPort();
    }

    private void applyPending(SocketChannel ch) throws IOException {
        ch.setOption(StandardSocketOptions.TCP_NODELAY, pending.nodelay);
        ch.setOption(StandardSocketOptions.SO_KEEPALIVE, pending.keepAlive);
        ch.setOption(StandardSocketOptions.SO_LINGER, pending.linger);
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, pending.reuseAddress);
        if (pending.rcvbuf > 0) {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, pending.rcvbuf);
        }
        if (pending.sndbuf > 0) {
            ch.setOption(StandardSocketOptions.SO_SNDBUF, pending.sndbuf);
        }
    }

    @Override
    protected void bind(InetAddress host, int port) throws IOException {
        bindAddress = host;
        bindPort = port;
        localport = port;
    }

    @Override
    protected void listen(int backlog) throws IOException {
        ServerSocketChannel ch = provider.openServerSocketChannel();
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, pending.reuseAddress);
        if (pending.rcvbuf > 0) {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, pending.rcvbuf);
        }
        ch.bind(new InetSocketAddress(bindAddress == null ? NioAddresses.toInet(0) : bindAddress, bindPort), backlog);
        server = ch;
        localport = ((InetSocketAddress) ch.getLocalAddress()).getPort();
    }

    @Override
    protected void accept(SocketImpl s) throws IOException {
        if (server == null) {
            throw new SocketException("Socket is not bound yet");
        }
        TapwireSocketImpl si = (TapwireSocketImpl) s;
        SocketChannel ch = ((TapServerSocketChannel) server).accept(timeoutMillis == 0 ? Long.MAX_VALUE
                : TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
        si.client = ch;
        InetSocketAddress r = (InetSocketAddress) ch.getRemoteAddress();
        si.address = r.getAddress();
        si.port = r.getPort();
        si.localport = ((InetSocketAddress) ch.getLocalAddress()).getPort();
    }

    private SocketChannel requireClient() throws SocketException {
        if (client == null) {
            throw new SocketException("Socket is not connected");
        }
        return client;
    }

    @Override
    protected InputStream getInputStream() throws IOException {
        return requireClient().socket().getInputStream();
    }

    @Override
    protected OutputStream getOutputStream() throws IOException {
        return requireClient().socket().getOutputStream();
    }

    @Override
    protected int available() throws IOException {
        return requireClient().socket().getInputStream().available();
    }

    @Override
    protected void close() throws IOException {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected void shutdownInput() throws IOException {
        requireClient().shutdownInput();
    }

    @Override
    protected void shutdownOutput() throws IOException {
        requireClient().shutdownOutput();
    }

    @Override
    protected void sendUrgentData(int data) throws IOException {
        throw new SocketException("Urgent data not supported");
    }

    @Override
    public void setOption(int optID, Object value) throws SocketException {
        switch (optID) {
            case SocketOptions.SO_TIMEOUT -> {
                timeoutMillis = (Integer) value;
                if (client != null) {
                    client.socket().setSoTimeout(timeoutMillis);
                }
            }
            case SocketOptions.TCP_NODELAY -> {
                pending.nodelay = (Boolean) value;
                if (client != null) {
                    client.socket().setTcpNoDelay(pending.nodelay);
                }
            }
            case SocketOptions.SO_KEEPALIVE -> {
                pending.keepAlive = (Boolean) value;
                if (client != null) {
                    client.socket().setKeepAlive(pending.keepAlive);
                }
            }
            case SocketOptions.SO_LINGER -> {
                // java.net.Socket passes Boolean.FALSE for off, an Integer for on.
                pending.linger = value instanceof Integer i ? i : -1;
                if (client != null) {
                    client.socket().setSoLinger(pending.linger >= 0, Math.max(0, pending.linger));
                }
            }
            case SocketOptions.SO_REUSEADDR -> pending.reuseAddress = (Boolean) value;
            case SocketOptions.SO_RCVBUF -> pending.rcvbuf = (Integer) value;
            case SocketOptions.SO_SNDBUF -> pending.sndbuf = (Integer) value;
            case SocketOptions.IP_TOS, SocketOptions.SO_OOBINLINE -> {
                // Accepted and ignored, as the socket adaptor does.
            }
            default -> throw new SocketException("Option not supported: " + optID);
        }
    }

    @Override
    public Object getOption(int optID) throws SocketException {
        switch (optID) {
            case SocketOptions.SO_TIMEOUT:
                return timeoutMillis;
            case SocketOptions.TCP_NODELAY:
                return client != null ? client.socket().getTcpNoDelay() : pending.nodelay;
            case SocketOptions.SO_KEEPALIVE:
                return client != null ? client.socket().getKeepAlive() : pending.keepAlive;
            case SocketOptions.SO_LINGER:
                return pending.linger;
            case SocketOptions.SO_REUSEADDR:
                return pending.reuseAddress;
            case SocketOptions.SO_RCVBUF:
                return client != null ? client.socket().getReceiveBufferSize() : pending.rcvbuf > 0 ? pending.rcvbuf
                        : provider.stack().defaultBuffers().receive();
            case SocketOptions.SO_SNDBUF:
                return client != null ? client.socket().getSendBufferSize() : pending.sndbuf > 0 ? pending.sndbuf
                        : provider.stack().defaultBuffers().send();
            case SocketOptions.SO_BINDADDR:
                if (client != null) {
                    return client.socket().getLocalAddress();
                }
                if (server != null) {
                    return server.socket().getInetAddress();
                }
                return bindAddress != null ? bindAddress : NioAddresses.toInet(0);
            case SocketOptions.IP_TOS:
                return 0;
            case SocketOptions.SO_OOBINLINE:
                return false;
            default:
                throw new SocketException("Option not supported: " + optID);
        }
    }

    @Override
    protected boolean supportsUrgentData() {
        return false;
    }

}
