package io.tapwire.nio;

import io.tapwire.Stack;

/**
 * The registry that tells a {@link TapwireSelectorProvider} made by the JDK (through the
 * {@code java.nio.channels.spi.SelectorProvider} system property, which calls the no-argument
 * constructor) which stack its channels live on. {@code tapwire run} and tests install the stack
 * here before the program opens its first channel.
 *
 * <pre>{@code
 * TapwireNio.install(stack);
 * System.setProperty("java.nio.channels.spi.SelectorProvider", TapwireSelectorProvider.class.getName());
 * // from here on ServerSocketChannel.open(), Selector.open(), ... are tapwire's
 * }</pre>
 */
public final class TapwireNio {
    /** The system property the JDK reads to pick its {@code SelectorProvider}. */
    public static final String PROVIDER_PROPERTY = "java.nio.channels.spi.SelectorProvider";

    /** The system property the JDK reads to pick its {@code AsynchronousChannelProvider} (NIO.2). */
    public static final String ASYNC_PROVIDER_PROPERTY = "java.nio.channels.spi.AsynchronousChannelProvider";

    private static volatile Stack installed;

    private TapwireNio() {
    }

    /** Makes {@code stack} the one channels of the no-argument provider use. */
    public static void install(Stack stack) {
        installed = java.util.Objects.requireNonNull(stack, "stack");
    }

    /** Forgets the installed stack (channels opened before keep theirs). */
    public static void uninstall() {
        installed = null;
    }

    /** The installed stack, or null. */
    public static Stack installedStack() {
        return installed;
    }

    /** The installed stack; fails with what to do when there is none. */
    static Stack requireStack() {
        Stack s = installed;
        if (s == null) {
            throw new IllegalStateException("no tapwire stack is installed for the NIO provider: call TapwireNio.install(stack) "
                    + "before opening channels, or start the program with 'tapwire run'");
        }
        return s;
    }
}
