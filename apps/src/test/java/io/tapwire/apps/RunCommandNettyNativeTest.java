package io.tapwire.apps;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code tapwire run} turns Netty's native transports off unless the user said otherwise. */
class RunCommandNettyNativeTest {
    private final Map<String, String> saved = new HashMap<>();

    @BeforeEach
    void save() {
        for (String p : RunCommand.NETTY_NO_NATIVE) {
            saved.put(p, System.getProperty(p));
            System.clearProperty(p);
        }
    }

    @AfterEach
    void restore() {
        saved.forEach((p, v) -> {
            if (v == null) {
                System.clearProperty(p);
            } else {
                System.setProperty(p, v);
            }
        });
    }

    @Test
    void setsNettysSwitchAndGrpcsRelocatedCopy() {
        RunCommand.disableNettyNativeTransports();
        assertEquals("true", System.getProperty("io.netty.transport.noNative"));
        assertEquals("true", System.getProperty("io.grpc.netty.shaded.io.netty.transport.noNative"));
    }

    @Test
    void leavesAValueTheUserSetAlone() {
        System.setProperty("io.netty.transport.noNative", "false");
        RunCommand.disableNettyNativeTransports();
        assertEquals("false", System.getProperty("io.netty.transport.noNative"));
        assertEquals("true", System.getProperty("io.grpc.netty.shaded.io.netty.transport.noNative"));
    }
}
