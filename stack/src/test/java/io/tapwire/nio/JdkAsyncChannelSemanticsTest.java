package io.tapwire.nio;

import java.nio.channels.spi.AsynchronousChannelProvider;

/** {@link AsyncChannelCases} on the JDK's own asynchronous provider over the loopback: the reference. */
class JdkAsyncChannelSemanticsTest extends AsyncChannelCases {
    @Override
    NioWorld newWorld() {
        AsynchronousChannelProvider p = AsynchronousChannelProvider.provider();
        if (!p.getClass().getName().startsWith("sun.nio.ch.")) {
            throw new IllegalStateException("the JDK's default asynchronous provider is replaced in this JVM: " + p);
        }
        return new NioWorld.Jdk();
    }

    @Override
    AsynchronousChannelProvider serverAsync() {
        return AsynchronousChannelProvider.provider();
    }

    @Override
    AsynchronousChannelProvider clientAsync() {
        return AsynchronousChannelProvider.provider();
    }
}
