package io.tapwire.apps;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line parses and documents its commands (no root needed). */
class MainTest {
    @Test
    void helpListsTheCommands() {
        String out = captureOut(() -> assertEquals(0, Main.run("--help")));
        for (String cmd : new String[] {"up", "demo", "bench", "help"}) {
            assertTrue(out.matches("(?s).*\\n\\s+" + cmd + "\\s.*"), "help does not list " + cmd + ":\n" + out);
        }
    }

    @Test
    void upHelpShowsItsFlags() {
        String out = captureOut(() -> assertEquals(0, Main.run("up", "--help")));
        for (String flag : new String[] {"--tap", "--addr", "--gateway", "--mac", "--mtu", "--pcap", "--netns", "--no-udp-echo"}) {
            assertTrue(out.contains(flag), "up --help lacks " + flag + ":\n" + out);
        }
    }

    @Test
    void benchHelpShowsItsFlags() {
        String out = captureOut(() -> assertEquals(0, Main.run("bench", "--help")));
        for (String flag : new String[] {"--count", "--interval", "--size"}) {
            assertTrue(out.contains(flag), "bench --help lacks " + flag + ":\n" + out);
        }
    }

    @Test
    void runHelpShowsItsFlagsAndLoopbackBehaviour() {
        String out = captureOut(() -> assertEquals(0, Main.run("run", "--help")));
        for (String flag : new String[] {"--tap", "--addr", "--netns", "--classpath", "MAIN-CLASS", "loopback"}) {
            assertTrue(out.contains(flag), "run --help lacks " + flag + ":\n" + out);
        }
    }

    @Test
    void runUsageErrorsLeaveTheJdkProviderAlone() {
        captureOut(() -> assertEquals(2, Main.run("run", "--addr", "10.0.0.300/24", "--", "Foo")));
        captureOut(() -> assertEquals(2, Main.run("run")));
        captureOut(() -> assertEquals(1, Main.run("run", "--", "no.such.MainClass")));
        assertEquals(null, System.getProperty(io.tapwire.nio.TapwireNio.PROVIDER_PROPERTY),
                "a failed 'run' must not install tapwire's provider in this JVM");
    }

    @Test
    void versionNamesTheJavaRuntimeAndHowTheTapDriverCallsTheKernel() {
        String out = captureOut(() -> assertEquals(0, Main.run("--version")));
        // tap-driver ships FFM downcalls for Java 22+ in its multi-release jar (when built with a JDK 22+ javac).
        boolean ffmShipped = Main.class.getClassLoader()
                .getResource("META-INF/versions/22/io/tapwire/tap/HotCalls.class") != null;
        String calls = Runtime.version().feature() >= 22 && ffmShipped ? "ffm" : "jna";
        assertTrue(out.contains("Java " + Runtime.version() + ", TAP system calls: " + calls), out);
    }

    @Test
    void unknownOptionIsAUsageError() {
        captureOut(() -> assertEquals(2, Main.run("up", "--no-such-flag")));
    }

    @Test
    void badAddressIsReportedNotThrown() {
        captureOut(() -> assertEquals(2, Main.run("up", "--addr", "10.0.0.300/24")));
    }

    @Test
    void demoShowsCommandsAsTyped() {
        assertEquals("ping -c 3 10.0.0.2", DemoCommand.display(new String[] {"ping", "-c", "3", "10.0.0.2"}));
        assertEquals("echo x | nc -u 10.0.0.2 7", DemoCommand.display(new String[] {"sh", "-c", "echo x | nc -u 10.0.0.2 7"}));
        assertEquals("python3 -c \"import socket\"", DemoCommand.display(new String[] {"python3", "-c", "import socket"}));
    }

    private static String captureOut(Runnable r) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
        try {
            r.run();
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
