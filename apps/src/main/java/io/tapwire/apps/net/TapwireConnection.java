package io.tapwire.apps.net;

import io.tapwire.socket.TcpSocket;
import io.tapwire.wire.Ipv4Address;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** The {@link StreamConnection} seam over a tapwire {@link TcpSocket}; state() is the live TCP state. */
public final class TapwireConnection implements StreamConnection {
    private final TcpSocket socket;

    public TapwireConnection(TcpSocket socket) {
        this.socket = socket;
    }

    @Override
    public InputStream input() {
        return socket.inputStream();
    }

    @Override
    public OutputStream output() {
        return socket.outputStream();
    }

    @Override
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public void close() {
        socket.close();
    }

    @Override
    public String remoteDescription() {
        return Ipv4Address.toString(socket.tcb().remoteAddress()) + ":" + socket.tcb().remotePort();
    }

    @Override
    public String localDescription() {
        return Ipv4Address.toString(socket.tcb().localAddress()) + ":" + socket.tcb().localPort();
    }

    @Override
    public String state() {
        return socket.state().name();
    }

    public TcpSocket socket() {
        return socket;
    }
}
