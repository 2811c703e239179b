package io.tapwire.nio;

/**
 * {@link StreamChannelCases} on tapwire's provider over IPv6: servers on one stack listening on
 * the wildcard, clients on another connecting to fd00::2, joined by a virtual wire. Every case
 * must pass as it does on {@link Jdk6StreamChannelSemanticsTest}.
 */
class Tapwire6StreamChannelSemanticsTest extends StreamChannelCases {
    @Override
    NioWorld newWorld() {
        return NioWorld.Tapwire.ipv6();
    }
}
