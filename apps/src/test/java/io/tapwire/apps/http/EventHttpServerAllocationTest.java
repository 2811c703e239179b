package io.tapwire.apps.http;

import io.tapwire.apps.evsvc.EventLoop;
import io.tapwire.apps.evsvc.VirtualWire;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a keep-alive request costs in allocation on the stack thread, server and both stacks
 * together (on virtual time, all on the test's thread): the request's parse (strings, fields) and a
 * small body object, never a buffer per request or per body block. Counted in bytes with the JVM's
 * per-thread allocation counter, so the bound does not depend on the machine's speed.
 */
class EventHttpServerAllocationTest {
    private static final int WARMUP = 5_000;
    private static final int MEASURED = 20_000;

    private static com.sun.management.ThreadMXBean threads() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "this JVM cannot count allocated bytes per thread");
        com.sun.management.ThreadMXBean t = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(t.isThreadAllocatedMemorySupported(), "this JVM cannot count allocated bytes per thread");
        t.setThreadAllocatedMemoryEnabled(true);
        return t;
    }

    private final VirtualWire w = new VirtualWire();
    private final byte[] response = new byte[256 * 1024];

    /** Sends {@code request}, reads {@code expect} response bytes; returns how many came. */
    private int exchange(TcpSocket s, byte[] request, int expect) throws IOException {
        s.tryWrite(request, 0, request.length);
        int got = 0;
        for (int i = 0; i < 100 && got < expect; i++) {
            w.settle();
            int n;
            while ((n = s.tryRead(response, 0, response.length)) > 0) {
                got += n;
            }
        }
        return got;
    }

    @Test
    void aKeepAliveRequestAllocatesOnlyItsParseAndABodyObject() throws Exception {
        EventHttpServer server = new EventHttpServer(HttpConfig.defaults());
        EventLoop.start(w.b, List.of(server.service(80)), EventLoop.Mode.STACK, 64, 100, SocketOptions.defaults());
        TcpSocket s = w.a.connectTcp(VirtualWire.B_ADDR, 80);
        w.runUntil(() -> s.state() == TcpState.ESTABLISHED, 1_000_000_000L);
        byte[] request = "GET /bytes/100000 HTTP/1.1\r\nHost: x\r\nUser-Agent: test\r\nAccept: */*\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        int length = exchange(s, request, 100_000);
        assertTrue(length > 100_000, "a response came: " + length);
        com.sun.management.ThreadMXBean t = threads();
        for (int i = 0; i < WARMUP; i++) {
            exchange(s, request, length);
        }
        long before = t.getCurrentThreadAllocatedBytes();
        long served = server.requestsServed();
        for (int i = 0; i < MEASURED; i++) {
            exchange(s, request, length);
        }
        long perRequest = (t.getCurrentThreadAllocatedBytes() - before) / MEASURED;
        System.out.println("allocated " + perRequest + " bytes per request");
        assertTrue(server.requestsServed() - served == MEASURED, "every request answered");
        assertTrue(perRequest < 2048, perRequest + " bytes per request of 100 KB: more than the parse and a body object");
    }
}
