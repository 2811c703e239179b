package io.tapwire.apps.http;

import io.tapwire.apps.evsvc.EventLoop;
import org.junit.jupiter.api.Timeout;

/** Every test of {@link HttpServerTest}, against {@link EventHttpServer} on the stack thread. */
@Timeout(120)
class HttpServerOnEventLoopTest extends HttpServerTest {
    @Override
    HttpTestServer newServer() {
        return new EventTestServer(EventLoop.Mode.STACK);
    }
}
