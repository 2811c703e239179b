package io.tapwire.nio;

import java.nio.channels.spi.AsynchronousChannelProvider;

/**
 * {@link AsyncChannelCases} on {@link TapwireAsynchronousChannelProvider} over the JDK's own
 * channels and loopback: the asynchronous layer alone, measured against the JDK's.
 */
class TapwireAsyncOnJdkChannelsSemanticsTest extends AsyncChannelCases {
    private final AsynchronousChannelProvider provider =
            new TapwireAsynchronousChannelProvider(java.nio.channels.spi.SelectorProvider.provider());

    @Override
    NioWorld newWorld() {
        return new NioWorld.Jdk();
    }

    @Override
    AsynchronousChannelProvider serverAsync() {
        return provider;
    }

    @Override
    AsynchronousChannelProvider clientAsync() {
        return provider;
    }
}
