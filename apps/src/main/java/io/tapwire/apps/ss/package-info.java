/**
 * {@code tapwire ss} and {@code tapwire nstat}: iproute2's two tools, with their flags, filters
 * and output formats, pointed at a running {@code tapwire up} through its control socket
 * ({@link io.tapwire.apps.control.ControlServer}).
 */
package io.tapwire.apps.ss;
