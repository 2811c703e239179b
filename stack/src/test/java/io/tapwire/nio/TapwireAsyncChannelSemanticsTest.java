package io.tapwire.nio;

import java.nio.channels.spi.AsynchronousChannelProvider;

/**
 * {@link AsyncChannelCases} on {@link TapwireAsynchronousChannelProvider} over tapwire's channels:
 * servers on one stack, clients on another, joined by a virtual wire. Every case must pass as it
 * does on {@link JdkAsyncChannelSemanticsTest}.
 */
class TapwireAsyncChannelSemanticsTest extends AsyncChannelCases {
    private AsynchronousChannelProvider server;
    private AsynchronousChannelProvider client;

    @org.junit.jupiter.api.AfterEach
    void endDefaultGroups() throws Exception {
        ((TapwireAsynchronousChannelProvider) server).closeDefaultGroup();
        ((TapwireAsynchronousChannelProvider) client).closeDefaultGroup();
    }

    @Override
    NioWorld newWorld() {
        NioWorld w = new NioWorld.Tapwire();
        server = new TapwireAsynchronousChannelProvider(w.serverProvider());
        client = new TapwireAsynchronousChannelProvider(w.clientProvider());
        return w;
    }

    @Override
    AsynchronousChannelProvider serverAsync() {
        return server;
    }

    @Override
    AsynchronousChannelProvider clientAsync() {
        return client;
    }
}
