package io.tapwire.nio;

/**
 * {@link StreamChannelCases} on the JDK's own provider over IPv6 loopback (::1): the reference
 * behaviour {@link Tapwire6StreamChannelSemanticsTest} must match.
 */
class Jdk6StreamChannelSemanticsTest extends StreamChannelCases {
    @Override
    NioWorld newWorld() {
        return NioWorld.Jdk.ipv6();
    }
}
