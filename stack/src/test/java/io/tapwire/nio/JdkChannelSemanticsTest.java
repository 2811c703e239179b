package io.tapwire.nio;

/** The channel-semantics cases on the JDK's own provider over the loopback: the reference. */
class JdkChannelSemanticsTest extends ChannelSemanticsSuite {
    @Override
    NioWorld newWorld() {
        return new NioWorld.Jdk();
    }
}
