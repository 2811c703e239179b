package io.tapwire.nio;

/** {@link SelectorCases} on the JDK's own provider over the loopback: the reference. */
class JdkSelectorSemanticsTest extends SelectorCases {
    @Override
    NioWorld newWorld() {
        return new NioWorld.Jdk();
    }
}
