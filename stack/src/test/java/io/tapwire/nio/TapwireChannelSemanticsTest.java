package io.tapwire.nio;

/**
 * The channel-semantics cases on tapwire's provider: servers on one stack, clients on another,
 * joined by a virtual wire. Every case must pass as it does on {@link JdkChannelSemanticsTest}.
 */
class TapwireChannelSemanticsTest extends ChannelSemanticsSuite {
    @Override
    NioWorld newWorld() {
        return new NioWorld.Tapwire();
    }
}
