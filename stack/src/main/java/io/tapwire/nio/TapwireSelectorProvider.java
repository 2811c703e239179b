package io.tapwire.nio;

import io.tapwire.Stack;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;

/**
 * The java.nio {@link SelectorProvider} of tapwire: every {@code SocketChannel},
 * {@code ServerSocketChannel}, {@code DatagramChannel} and {@code Selector} it opens lives on a
 * tapwire stack, so an unmodified NIO program (the JDK's HttpServer and HttpClient, Netty's NIO
 * transport) runs on the stack when started with
 * {@code -Djava.nio.channels.spi.SelectorProvider=io.tapwire.nio.TapwireSelectorProvider} after
 * {@link TapwireNio#install}, which {@code tapwire run} does.
 *
 * <p>Stream channels speak IPv4 and IPv6 (a channel of either family takes addresses of both, as
 * the JDK's dual-stack channels do). Datagram channels of {@code INET6}, and of the default
 * family when the stack has IPv6, are dual-stack too; {@code INET} datagram channels are IPv4
 * only. UNIX-domain channels are refused with {@link UnsupportedOperationException}. Pipes are
 * tapwire's own in-memory pipes, selectable with this provider's selectors.
 */
public class TapwireSelectorProvider extends SelectorProvider {
    private final Stack stack;

    /** The provider the JDK makes from the system property: channels use {@link TapwireNio}'s stack. */
    public TapwireSelectorProvider() {
        this.stack = null;
    }

    /** A provider whose channels live on {@code stack} (tests, embedding). */
    public TapwireSelectorProvider(Stack stack) {
        this.stack = java.util.Objects.requireNonNull(stack, "stack");
    }

    /** The stack this provider's channels use. */
    public Stack stack() {
        return stack != null ? stack : TapwireNio.requireStack();
    }

    @Override
    public DatagramChannel openDatagramChannel() throws IOException {
        return new TapDatagramChannel(this, stack());
    }

    @Override
    public DatagramChannel openDatagramChannel(ProtocolFamily family) throws IOException {
        checkFamily(family);
        Stack s = stack();
        if (family == StandardProtocolFamily.INET6 && !s.ipv6Enabled()) {
            // The JDK's words when the host has no IPv6.
            throw new UnsupportedOperationException("IPv6 not available");
        }
        return new TapDatagramChannel(this, s, family == StandardProtocolFamily.INET6);
    }

    @Override
    public Pipe openPipe() throws IOException {
        // tapwire's own in-memory pipe: a pipe of the JDK's default provider could not be
        // registered with this provider's selectors (IllegalSelectorException).
        return new TapPipe(this);
    }

    @Override
    public AbstractSelector openSelector() throws IOException {
        // The stack, when one is known, defers the selector's wakeups to the end of its poll; a
        // wakeup from any other thread (or another stack's) still signals at once.
        return new TapwireSelector(this, stack != null ? stack : TapwireNio.installedStack());
    }

    @Override
    public ServerSocketChannel openServerSocketChannel() throws IOException {
        return new TapServerSocketChannel(this, stack());
    }

    @Override
    public SocketChannel openSocketChannel() throws IOException {
        return new TapSocketChannel(this, stack());
    }

    @Override
    public SocketChannel openSocketChannel(ProtocolFamily family) throws IOException {
        checkFamily(family);
        return openSocketChannel();
    }

    @Override
    public ServerSocketChannel openServerSocketChannel(ProtocolFamily family) throws IOException {
        checkFamily(family);
        return openServerSocketChannel();
    }

    private static void checkFamily(ProtocolFamily family) {
        java.util.Objects.requireNonNull(family, "'family' is null");
        if (family != StandardProtocolFamily.INET && family != StandardProtocolFamily.INET6) {
            // The JDK's words, then why: a UNIX-domain channel is not a network one.
            throw new UnsupportedOperationException("Protocol family not supported: tapwire's channels are INET and INET6 only, not "
                    + family);
        }
    }
}
