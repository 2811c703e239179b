package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Python's explicit line joining in packetdrill's {@code %{ }%} blocks ({@link PythonAsserts#joinLines}):
 * a backslash ending a physical line joins it with the next, outside strings and comments.
 */
class PythonLineJoiningTest {
    /** A listener whose peer (MSS 1000) completes the handshake at 0.1 s; the connection's cwnd is 10. */
    private static final String ACCEPTED = """
            `../common/defaults.sh`
                0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
               +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
               +0 bind(3, ..., ...) = 0
               +0 listen(3, 1) = 0
               +0 < S 0:0(0) win 32792 <mss 1000>
               +0 > S. 0:0(0) ack 1 <...>
              +.1 < . 1:1(0) ack 1 win 32792
               +0 accept(3, ..., ...) = 4
            """;

    private static ScriptResult run(String text) {
        return Interpreter.run("t.pkt", text, RunOptions.standard(), null);
    }

    @Test
    void aBackslashAtTheEndOfALineJoinsItWithTheNext() {
        assertEquals("a   b\nc", PythonAsserts.joinLines("a \\\n b\nc"));
        assertEquals("a   b", PythonAsserts.joinLines("a \\\r\n b"), "a CRLF line ends the same");
        assertEquals("x = 'a\\\\' # c \\\ny", PythonAsserts.joinLines("x = 'a\\\\' # c \\\ny"),
                "a backslash in a comment does not continue it");
        assertEquals("s = 'a\\\\' \\ t", PythonAsserts.joinLines("s = 'a\\\\' \\ t"), "a backslash not ending the line stays");
    }

    @Test
    void statementsJoinedByABackslashRunAsOne() {
        // Linux's user_timeout/user-timeout-probe.pkt writes two asserts this way.
        ScriptResult ok = run(ACCEPTED + """
                   +0 %{ assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd; \\
                         assert tcpi_backoff == 0, tcpi_backoff }%
                """);
        assertTrue(ok.passed(), () -> ok.status() + " " + ok.location() + ": " + ok.message());
        // One expression across two lines: its second half is evaluated (false here).
        ScriptResult half = run(ACCEPTED + """
                   +0 %{ assert tcpi_snd_cwnd == 10 and \\
                         tcpi_snd_cwnd == 11, tcpi_snd_cwnd }%
                """);
        assertEquals(ScriptResult.Status.FAILED, half.status(), () -> half.location() + ": " + half.message());
        assertTrue(half.message().contains("tcpi_snd_cwnd == 10 and") && half.message().contains("tcpi_snd_cwnd == 11"), half.message());
    }

    @Test
    void aCommentEndingInABackslashDoesNotSwallowTheNextLine() {
        ScriptResult r = run(ACCEPTED + """
                   +0 %{
                # a comment \\
                assert tcpi_snd_cwnd == 11, tcpi_snd_cwnd
                }%
                """);
        assertEquals(ScriptResult.Status.FAILED, r.status(), () -> r.location() + ": " + r.message());
    }

    @Test
    void aBackslashOnTheBlocksLastLineJoinsItWithTheClosingLine() {
        // Linux's tcp_info/tcp-info-rwnd-limited.pkt ends each line of a block with a backslash,
        // the last one too, with the }% on the next line: the line joins with an empty one.
        assertEquals("a;   b;  ", PythonAsserts.joinLines("a; \\\n b; \\"));
        ScriptResult ok = run(ACCEPTED + """
                   +0 %{ assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd;\\
                         assert tcpi_backoff == 0, tcpi_backoff;\\
                }%
                """);
        assertTrue(ok.passed(), () -> ok.status() + " " + ok.location() + ": " + ok.message());
        ScriptResult bad = run(ACCEPTED + """
                   +0 %{ assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd;\\
                         assert tcpi_backoff == 1, tcpi_backoff;\\
                }%
                """);
        assertEquals(ScriptResult.Status.FAILED, bad.status(), () -> bad.location() + ": " + bad.message());
    }
}
