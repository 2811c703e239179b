/**
 * The local control endpoint of a running {@code tapwire up}: a Unix domain socket
 * ({@code /run/tapwire/<tap>.sock}) through which {@code tapwire ss} and {@code tapwire nstat},
 * separate processes, read the stack's sockets and counters. The protocol is one request line
 * ({@code sockets} or {@code counters}) answered with lines of text and the connection closed.
 */
package io.tapwire.apps.control;
