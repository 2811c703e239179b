/**
 * The two small interfaces the tapwire applications are written against, {@link
 * io.tapwire.apps.net.StreamListener} and {@link io.tapwire.apps.net.StreamConnection}, and an
 * adapter over {@code java.net} sockets ({@link io.tapwire.apps.net.JavaNetListener}).
 *
 * <p>The services in {@code io.tapwire.apps.tcpsvc} and {@code io.tapwire.apps.http} see nothing
 * but these interfaces, so they run unchanged over the host kernel's TCP (in tests) and over
 * tapwire's own TCP (through an adapter in the stack's socket API).
 */
package io.tapwire.apps.net;
