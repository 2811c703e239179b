package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Linux's TCP_INQ in the drill ({@link InqCalls}): recvmsg() on the receive queue reports the bytes
 * left (plus one for an unread FIN, and 1 once the connection is done) in a TCP_CM_INQ message once
 * the option is set; none without it; the option takes only 0 and 1.
 */
class InqCallsTest {
    /** A passive open from a peer with MSS 1200, then TCP_INQ on the accepted socket. */
    private static final String OPEN = """
            `sysctl -q net.ipv4.tcp_sack=1`
                0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
               +0 bind(3, ..., ...) = 0
               +0 listen(3, 1) = 0
               +0 < S 0:0(0) win 20000 <mss 1200>
               +0 > S. 0:0(0) ack 1 <...>
             +.05 < . 1:1(0) ack 1 win 20000
               +0 accept(3, ..., ...) = 4
            """;

    private static String recvmsg(int len, String control) {
        return "   +0 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., " + len + "}], msg_flags=0" + control + "}, 0) = ";
    }

    private static String inq(long n) {
        return ", msg_control=[{cmsg_level=SOL_TCP, cmsg_type=TCP_CM_INQ, cmsg_data=" + n + "}]";
    }

    private static ScriptResult run(String text) {
        return Interpreter.run("inq.pkt", text, RunOptions.standard(), null);
    }

    @Test
    void theHintCountsBytesLeftThenTheFinThenOneOnceDone() {
        ScriptResult r = run(OPEN + """
                   +0 setsockopt(4, SOL_TCP, TCP_INQ, [1], 4) = 0
                   +0 < P. 1:1201(1200) ack 1 win 20000
                   +0 < P. 1201:1801(600) ack 1 win 20000
                """
                + recvmsg(500, inq(1300)) + "500\n"
                + "   +0 < F. 1801:1901(100) ack 1 win 20000\n"
                + recvmsg(1000, inq(401)) + "1000\n"
                + recvmsg(400, inq(1)) + "400\n"
                + "   +0 read(4, ..., 100) = 0\n");
        assertTrue(r.passed(), () -> r.location() + ": " + r.message() + "\n" + String.join("\n", r.trace()));
    }

    @Test
    void aWrongHintFailsTheLine() {
        String text = OPEN + "   +0 setsockopt(4, SOL_TCP, TCP_INQ, [1], 4) = 0\n"
                + "   +0 < P. 1:1001(1000) ack 1 win 20000\n"
                + recvmsg(300, inq(600)) + "300\n";
        ScriptResult r = run(text);
        assertEquals(ScriptResult.Status.FAILED, r.status(), r::message);
        assertTrue(r.message().contains("TCP_CM_INQ expected 600 got 700"), r.message());
    }

    @Test
    void withoutTheOptionNoMessageComes() {
        String text = OPEN + "   +0 < P. 1:1001(1000) ack 1 win 20000\n" + recvmsg(300, inq(700)) + "300\n";
        ScriptResult r = run(text);
        assertEquals(ScriptResult.Status.FAILED, r.status(), r::message);
        assertTrue(r.message().contains("got no control message"), r.message());
        ScriptResult plain = run(OPEN + "   +0 < P. 1:1001(1000) ack 1 win 20000\n" + recvmsg(300, ", msg_control=[]") + "300\n");
        assertTrue(plain.passed(), () -> plain.location() + ": " + plain.message());
    }

    @Test
    void theOptionTakesZeroOrOne() {
        ScriptResult r = run(OPEN + "   +0 setsockopt(4, SOL_TCP, TCP_INQ, [2], 4) = -1 EINVAL (Invalid argument)\n");
        assertTrue(r.passed(), () -> r.location() + ": " + r.message());
    }
}
