package io.tapwire.nio;

/** {@link DatagramPipeAdaptorCases} on the JDK's own provider over the loopback: the reference. */
class JdkDatagramPipeAdaptorSemanticsTest extends DatagramPipeAdaptorCases {
    @Override
    NioWorld newWorld() {
        return new NioWorld.Jdk();
    }
}
