package io.tapwire.nio;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;

/**
 * The {@link SocketImpl} the adaptors hand to {@code Socket}/{@code ServerSocket}'s constructor,
 * which refuses null: the adaptors override every method that would reach it, so each of its
 * methods failing loudly means a method was missed.
 */
final class NoSocketImpl extends SocketImpl {
    private static SocketException unused() {
        return new SocketException("internal error: the tapwire socket adaptor reached its placeholder SocketImpl");
    }

    @Override
    protected void create(boolean stream) throws IOException {
        throw unused();
    }

    @Override
    protected void connect(String host, int port) throws IOException {
        throw unused();
    }

    @Override
    protected void connect(InetAddress address, int port) throws IOException {
        throw unused();
    }

    @Override
    protected void connect(SocketAddress address, int timeout) throws IOException {
        throw unused();
    }

    @Override
    protected void bind(InetAddress host, int port) throws IOException {
        throw unused();
    }

    @Override
    protected void listen(int backlog) throws IOException {
        throw unused();
    }

    @Override
    protected void accept(SocketImpl s) throws IOException {
        throw unused();
    }

    @Override
    protected InputStream getInputStream() throws IOException {
        throw unused();
    }

    @Override
    protected OutputStream getOutputStream() throws IOException {
        throw unused();
    }

    @Override
    protected int available() throws IOException {
        throw unused();
    }

    @Override
    protected void close() {
        // Nothing was opened.
    }

    @Override
    protected void sendUrgentData(int data) throws IOException {
        throw unused();
    }

    @Override
    public void setOption(int optID, Object value) throws SocketException {
        throw unused();
    }

    @Override
    public Object getOption(int optID) throws SocketException {
        throw unused();
    }
}
