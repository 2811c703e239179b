package io.tapwire.nio;

/**
 * {@link SelectorCases} on tapwire's provider: servers on one stack, clients on another, joined by a
 * virtual wire. Every case must pass as it does on {@link JdkSelectorSemanticsTest}.
 */
class TapwireSelectorSemanticsTest extends SelectorCases {
    @Override
    NioWorld newWorld() {
        return new NioWorld.Tapwire();
    }
}
