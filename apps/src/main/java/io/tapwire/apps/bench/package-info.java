/**
 * {@code tapwire bench tcp}: TCP benchmarks of tapwire next to the Linux kernel, in the same run.
 *
 * <p>Every figure is measured twice with the same client tool and, where a server is ours, the same
 * server code: once against tapwire behind a TAP in a {@link io.tapwire.apps.Sandbox}, once against
 * the Linux kernel across a {@link io.tapwire.apps.VethPair}. The mains in this package run inside
 * those namespaces with {@code ip netns exec}: {@link io.tapwire.apps.bench.EchoLoadClient} (echo
 * round trips per second), {@link io.tapwire.apps.bench.LinuxServers} (the tapwire services over
 * java.net, so only the TCP under them differs), {@link io.tapwire.apps.bench.IdleConnectClient}
 * and {@link io.tapwire.apps.bench.IdleHoldServer} (memory per idle connection).
 *
 * <p>{@code tapwire bench echo-qps} ({@link io.tapwire.apps.bench.EchoQpsCommand}) runs the seed
 * notes' echo QPS experiment with {@code tapwire load} ({@link io.tapwire.apps.bench.LoadCommand})
 * against tapwire's echo server in each I/O model and against C epoll and io_uring echo servers on
 * the kernel ({@code apps/src/main/c}, compiled at run time by {@link io.tapwire.apps.bench.CServers}).
 */
package io.tapwire.apps.bench;
