/**
 * The live dashboard's data: {@link io.tapwire.apps.dash.DashboardSampler} samples the stack and its
 * connections on the stack thread while someone watches; the HTTP server serves the page and the
 * samples as Server-Sent Events ({@code io.tapwire.apps.http.DashboardEndpoints}).
 */
package io.tapwire.apps.dash;
