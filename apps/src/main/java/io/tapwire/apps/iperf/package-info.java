/**
 * iperf3 on the stack: a server on port 5201 that Debian's stock {@code iperf3 -c} measures
 * (TCP with {@code -P}, {@code -R}, {@code --bidir}, {@code -t}/{@code -n}, {@code -l}; UDP with
 * {@code -u -b}, jitter and loss), and a client ({@code tapwire iperf3 -c}) for a stock
 * {@code iperf3 -s} on Linux. Both speak iperf3's control protocol: a 37-byte cookie, one-byte
 * test states, length-prefixed JSON for the parameters and the results.
 */
package io.tapwire.apps.iperf;
