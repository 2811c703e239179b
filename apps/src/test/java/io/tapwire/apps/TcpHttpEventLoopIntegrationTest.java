package io.tapwire.apps;

import io.tapwire.apps.services.TcpServices;

/**
 * Every test of {@link TcpHttpIntegrationTest} (curl and ab in the namespace against port 80)
 * against the event-driven HTTP server: the services as {@code tapwire up} runs them by default
 * ({@code --io epoll}), on one event loop on the stack thread.
 */
class TcpHttpEventLoopIntegrationTest extends TcpHttpIntegrationTest {
    @Override
    Sandbox.Options tcpOptions() {
        return super.tcpOptions().io(TcpServices.IoModel.EPOLL);
    }
}
