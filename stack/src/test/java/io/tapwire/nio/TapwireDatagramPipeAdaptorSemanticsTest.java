package io.tapwire.nio;

/**
 * {@link DatagramPipeAdaptorCases} on tapwire's provider: servers on one stack, clients on another, joined by a
 * virtual wire. Every case must pass as it does on {@link JdkDatagramPipeAdaptorSemanticsTest}.
 */
class TapwireDatagramPipeAdaptorSemanticsTest extends DatagramPipeAdaptorCases {
    @Override
    NioWorld newWorld() {
        return new NioWorld.Tapwire();
    }
}
