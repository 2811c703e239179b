package io.tapwire.nio;

/** {@link StreamChannelCases} on the JDK's own provider over the loopback: the reference. */
class JdkStreamChannelSemanticsTest extends StreamChannelCases {
    @Override
    NioWorld newWorld() {
        return new NioWorld.Jdk();
    }
}
