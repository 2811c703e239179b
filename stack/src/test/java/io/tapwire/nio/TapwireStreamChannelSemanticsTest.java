package io.tapwire.nio;

/**
 * {@link StreamChannelCases} on tapwire's provider: servers on one stack, clients on another, joined by a
 * virtual wire. Every case must pass as it does on {@link JdkStreamChannelSemanticsTest}.
 */
class TapwireStreamChannelSemanticsTest extends StreamChannelCases {
    @Override
    NioWorld newWorld() {
        return new NioWorld.Tapwire();
    }
}
