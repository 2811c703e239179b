package io.tapwire.apps.http;

import io.tapwire.apps.evsvc.EventLoop;
import org.junit.jupiter.api.Timeout;

/** Every test of {@link HttpErrorResponseTest}, against {@link EventHttpServer} on the stack thread. */
@Timeout(120)
class HttpErrorResponseOnEventLoopTest extends HttpErrorResponseTest {
    @Override
    HttpTestServer newServer() {
        return new EventTestServer(EventLoop.Mode.STACK);
    }
}
