package io.tapwire.nio;

/**
 * {@link DatagramPipeAdaptorCases} on tapwire's provider over IPv6: servers on one stack, clients
 * on another reaching them at fd00::2 from fd00::1 (both stacks have both families), joined by a
 * virtual wire. Every case must pass as it does on {@link Jdk6DatagramPipeAdaptorSemanticsTest}.
 */
class Tapwire6DatagramPipeAdaptorSemanticsTest extends DatagramPipeAdaptorCases {
    @Override
    NioWorld newWorld() {
        return NioWorld.Tapwire.ipv6();
    }
}
