package io.tapwire.apps.evsvc;

/**
 * A TCP service an {@link EventLoop} runs: its name, its port, and the handler its connections
 * get.
 *
 * @param name short name for logs, such as {@code echo}
 * @param port the listening port
 * @param handler what to do when a connection is ready
 */
public record EventService(String name, int port, ConnectionHandler handler) {
}
