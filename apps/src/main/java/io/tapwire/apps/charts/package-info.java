/** Self-contained HTML pages of charts (uPlot from its WebJar, inlined) for the benchmarks' figures. */
package io.tapwire.apps.charts;
