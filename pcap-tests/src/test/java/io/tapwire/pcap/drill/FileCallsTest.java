package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drill's files: {@code rm}/{@code dd} shell lines and {@code open()} on the run's scratch
 * folder ({@link ScratchFiles}), and {@code sendfile()} writing the file's bytes to a socket
 * ({@link FileCalls}).
 */
class FileCallsTest {
    private static final String ACCEPTED = """
            `../common/defaults.sh
            /bin/rm -f /tmp/testfile
            /bin/dd bs=1000 count=3 if=/dev/zero of=/tmp/testfile status=none
            `
                0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
               +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
               +0 bind(3, ..., ...) = 0
               +0 listen(3, 1) = 0
               +0 < S 0:0(0) win 32792 <mss 1000>
               +0 > S. 0:0(0) ack 1 <...>
              +.1 < . 1:1(0) ack 1 win 32792
               +0 accept(3, ..., ...) = 4
               +0 open("/tmp/testfile", O_RDONLY) = 5
            """;

    private static ScriptResult run(String text) {
        return Interpreter.run("t.pkt", text, RunOptions.standard(), null);
    }

    private static void assertPassed(ScriptResult r) {
        assertTrue(r.passed(), () -> r.status() + " " + r.location() + ": " + r.message() + "\n" + String.join("\n", r.trace()));
    }

    @Test
    void sendfileSendsTheFilesBytesFromTheOffsetUpToItsEnd() {
        // 3000 bytes from dd; from offset 1000 a count of 5000 finds 2000.
        assertPassed(run(ACCEPTED + """
                   +0 sendfile(4, 5, [1000], 5000) = 2000
                   +0 > P. 1:2001(2000) ack 1
                """));
        ScriptResult wrong = run(ACCEPTED + "   +0 sendfile(4, 5, [1000], 5000) = 3000\n");
        assertEquals(ScriptResult.Status.FAILED, wrong.status(), wrong::message);
    }

    @Test
    void sendfileWithoutAnOffsetReadsFromTheFilePositionAndAdvancesIt() {
        assertPassed(run(ACCEPTED + """
                   +0 sendfile(4, 5, NULL, 2500) = 2500
                   +0 sendfile(4, 5, NULL, 2500) = 500
                   +0 sendfile(4, 5, NULL, 2500) = 0
                """));
    }

    @Test
    void aMissingFileIsEnoentAndPathsOutsideTmpAreNotTouched() {
        assertPassed(run(ACCEPTED.replace("/bin/dd bs=1000 count=3 if=/dev/zero of=/tmp/testfile status=none\n", "")
                .replace("open(\"/tmp/testfile\", O_RDONLY) = 5", "open(\"/tmp/testfile\", O_RDONLY) = -1 ENOENT (No such file)")));
        ScriptResult outside = run(ACCEPTED.replace("of=/tmp/testfile", "of=/home/testfile"));
        assertEquals(ScriptResult.Status.SKIPPED_UNSUPPORTED, outside.status(), outside::message);
        assertFalse(Files.exists(Path.of("/home/testfile")));
        ScriptResult up = run(ACCEPTED.replace("of=/tmp/testfile", "of=/tmp/../testfile"));
        assertEquals(ScriptResult.Status.SKIPPED_UNSUPPORTED, up.status(), up::message);
    }

    @Test
    void theScratchFolderIsGoneAfterTheRun() throws Exception {
        ScratchFiles s = new ScratchFiles();
        Path f = s.map("/tmp/x", 1);
        Files.write(f, new byte[3]);
        assertTrue(Files.exists(f));
        assertTrue(f.getParent().getFileName().toString().startsWith("tapwire-drill-"), "a folder of the run's own");
        s.close();
        assertFalse(Files.exists(f.getParent()));
    }
}
