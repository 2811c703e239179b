package io.tapwire.nio;

/**
 * {@link DatagramPipeAdaptorCases} on the JDK's own provider over IPv6 loopback (::1): the
 * reference behaviour {@link Tapwire6DatagramPipeAdaptorSemanticsTest} must match.
 */
class Jdk6DatagramPipeAdaptorSemanticsTest extends DatagramPipeAdaptorCases {
    @Override
    NioWorld newWorld() {
        return NioWorld.Jdk.ipv6();
    }
}
