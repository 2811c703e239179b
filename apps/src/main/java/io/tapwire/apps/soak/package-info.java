/**
 * {@code tapwire soak}: a long run of mixed load against one stack in a {@link io.tapwire.apps.Sandbox}
 * (HTTP keep-alive and new connections, echo, bulk, low-rate floods, loss through the fault
 * injector), sampling the stack's memory, buffers, connections and descriptors every few seconds,
 * to show they stay flat after warm-up. {@link io.tapwire.apps.soak.SoakCommand} runs it,
 * {@link io.tapwire.apps.soak.SoakLoad} drives the Linux side, {@link io.tapwire.apps.soak.SoakSampler}
 * takes the samples and {@link io.tapwire.apps.soak.SoakReport} writes the CSV, the chart and the
 * summary. {@code scripts/soak.sh} is the entry point.
 */
package io.tapwire.apps.soak;
