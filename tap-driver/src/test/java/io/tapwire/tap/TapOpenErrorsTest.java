package io.tapwire.tap;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Misuse and a missing namespace give a message that says what to do. None of these reach
 * {@code /dev/net/tun}, so they run without root.
 */
class TapOpenErrorsTest {

    @Test
    void overLongInterfaceNameIsRejectedBeforeAnySyscall() {
        String sixteen = "abcdefghijklmnop";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TapDevice.open(sixteen, 1500, 64));
        assertTrue(e.getMessage().contains("at most 15"), e.getMessage());
        // Checked before the namespace is even looked up: the missing namespace is not reported.
        assertThrows(IllegalArgumentException.class,
                () -> TapDevice.openInNetns("tw-no-such-namespace", sixteen, 1500, 64));
    }

    @Test
    void fifteenByteNameIsAccepted() {
        TapOpener.checkInterfaceName("abcdefghijklmno");
    }

    @Test
    void namesLinuxWouldRefuseAreRejected() {
        for (String bad : new String[] {"", "tap 0", "a/b", "tap:0", ".", ".."}) {
            assertThrows(IllegalArgumentException.class, () -> TapDevice.open(bad, 1500, 64), bad);
        }
    }

    @Test
    void badSizesAreRejectedBeforeOpening() {
        assertThrows(IllegalArgumentException.class, () -> TapDevice.open("tap0", 1500, 100));
        assertThrows(IllegalArgumentException.class, () -> TapDevice.open("tap0", 20, 64));
    }

    @Test
    void namespaceNameCannotEscapeTheNetnsDirectory() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TapDevice.openInNetns("../../proc/1/ns/net", "tap0", 1500, 64));
        assertTrue(e.getMessage().contains("namespace"), e.getMessage());
    }

    @Test
    void missingNamespaceSaysNotFoundAndHowToCreateIt() {
        Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"), "Linux only");
        String missing = "tw-missing-" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100_000;
        TapException e = assertThrows(TapException.class,
                () -> TapDevice.openInNetns(missing, "tap0", 1500, 64));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("network namespace '" + missing + "' not found"), e.getMessage());
        assertTrue(e.getMessage().contains("ip netns add " + missing), e.getMessage());
    }

    @Test
    void errnoIsNamedInMessages() {
        Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"), "Linux only");
        assertTrue(Errno.describe(Errno.EBUSY).startsWith("EBUSY ("), Errno.describe(Errno.EBUSY));
        assertTrue(Errno.describe(999).startsWith("errno 999"), Errno.describe(999));
    }
}
