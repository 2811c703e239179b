package io.tapwire.socket;

import io.tapwire.tcp.ListenSocket;
import io.tapwire.tcp.Tcb;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.tcp.TcpUserCalls;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * A listening TCP socket with Linux's queues: half-open connections count against
 * {@code tcp_max_syn_backlog}, established ones wait in an accept queue of
 * {@code min(backlog, somaxconn)}. Each connection wakes exactly one waiting {@link #accept()}.
 */
public final class TcpListener implements AutoCloseable, Pollable {
    private final TcpLayer layer;
    private final TcpUserCalls calls;
    private final io.tapwire.tcp.TcpOptionCalls options;
    private final ListenSocket listen;

    /** Created by {@code Stack.listenTcp}. */
    public TcpListener(TcpLayer layer, ListenSocket listen) {
        this.layer = layer;
        this.calls = layer.calls();
        this.options = layer.optionCalls();
        this.listen = listen;
    }

    /**
     * TCP_FASTOPEN (RFC 7413, server): accept data in SYNs that bring a valid cookie, with at most
     * {@code qlen} such connections still in their handshake (capped by somaxconn); 0 turns it
     * off. Needs {@code tcp_fastopen} bit 0x2.
     */
    public void setFastOpenQueue(int qlen) {
        listen.setFastOpenQueue(qlen);
    }

    /**
     * TCP_FASTOPEN_KEY (Linux): this listener's own 16-byte key for Fast Open cookies, in place
     * of the stack's {@code tcp_fastopen_key}.
     */
    public void setFastOpenKey(byte[] key) {
        listen.setFastOpenKey(key);
    }

    /**
     * TCP_MD5SIG (RFC 2385; Linux's struct tcp_md5sig with a full-length address): connections
     * from {@code peer} must sign every segment with {@code key} (at most 80 bytes), from the SYN
     * on, and the connections accepted from it sign theirs; an empty key removes the peer's key.
     */
    public void setMd5Key(java.net.InetAddress peer, byte[] key) {
        io.tapwire.tcp.TcpMd5.setKey(listen, peer, key);
    }

    /** TCP_FASTOPEN's queue length (0: not set). */
    public int fastOpenQueue() {
        return listen.fastOpenQueue();
    }

    /** Waits for the next connection. */
    public TcpSocket accept() throws IOException {
        return new TcpSocket(layer, calls.accept(listen, Long.MAX_VALUE));
    }

    /** Waits up to {@code timeout} for the next connection; null on timeout (0: do not wait). */
    public TcpSocket accept(long timeout, TimeUnit unit) throws IOException {
        Tcb t = calls.accept(listen, unit.toNanos(timeout));
        return t == null ? null : new TcpSocket(layer, t);
    }

    public int port() {
        return listen.port();
    }

    /** The effective accept-queue bound, min(backlog, somaxconn). */
    public int backlog() {
        return listen.backlog();
    }

    public int acceptQueueLength() {
        return listen.acceptQueueLength();
    }

    public int synQueueLength() {
        return listen.synQueueLength();
    }

    /** The listener's IP/TCP options, which accepted connections inherit (a copy). */
    public io.tapwire.tcp.SocketSettings settings() {
        return options.settings(listen);
    }

    /** setsockopt on the listener: connections accepted from now on inherit the change. */
    public void updateSettings(java.util.function.Consumer<io.tapwire.tcp.SocketSettings> change) {
        options.updateSettings(listen, change);
    }

    /** IN while connections wait to be accepted. */
    @Override
    public int readiness() {
        return calls.readiness(listen);
    }

    int addWaiter(PollKey key) {
        return calls.addWaiter(listen, key);
    }

    void removeWaiter(PollKey key) {
        calls.removeWaiter(listen, key);
    }

    /** Exclusive watchers a new connection passed over because another took it (the herd avoided). */
    public long exclusiveWakeupsSkipped() {
        return listen.exclusiveWakeupsSkipped();
    }

    /** Stops listening; connections not yet accepted are reset. */
    @Override
    public void close() {
        layer.closeListener(listen);
    }
}
