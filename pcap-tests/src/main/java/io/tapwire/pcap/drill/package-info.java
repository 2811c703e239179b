/**
 * A packetdrill interpreter for tapwire: runs the FreeBSD TCP test suite's scripts
 * ({@code ../shared/conformance/tcp-testsuite}) in-process against a fresh stack per script, on a
 * {@code VirtualDevice} with virtual time, so a 3-second retransmission timeout takes no wall time.
 *
 * <p>The pieces: {@link io.tapwire.pcap.drill.ScriptParser} reads the dialect (option lines,
 * absolute, relative, {@code *} and ranged times, {@code #ifdef}, TCP segments, system calls,
 * backquoted shell lines, {@code %{ }%} blocks); {@link io.tapwire.pcap.drill.Interpreter} runs a
 * script with packetdrill's semantics on a {@code DrillHost}; {@code Syscalls} maps the socket
 * calls onto tapwire's socket API; {@code ShellCommand} answers {@code sysctl} (through
 * {@code Sysctls} and the {@link io.tapwire.pcap.drill.FreeBsdProfile}) and {@code sockstat};
 * {@code SegmentCheck} compares what the stack sent with what the script expects;
 * {@link io.tapwire.pcap.drill.Conformance}, {@link io.tapwire.pcap.drill.ConformanceReport} and
 * {@link io.tapwire.pcap.drill.KnownFailures} run folders, report and keep the list of understood
 * failures true; {@link io.tapwire.pcap.drill.ConformanceRunner} is {@code tapwire conformance}.
 *
 * <p>Linux's own packetdrill tests ({@code ../shared/conformance/linux-packetdrill/tcp}) run in
 * Linux's dialect, chosen per script ({@link io.tapwire.pcap.drill.LinuxProfile#applies}): the
 * {@link io.tapwire.pcap.drill.LinuxProfile} settings, {@code LinuxShell} for the backquoted lines
 * ({@code defaults.sh}, {@code sysctl}, {@code set_sysctls.py}, mapped by {@code LinuxSysctls} to
 * the StackConfig field of the sysctl's camel-cased Linux name), {@code PythonAsserts} for
 * {@code %{ assert tcpi_... }%}, {@code LinuxCalls} (ioctl, epoll, poll) and
 * {@code LinuxSocketOptions} (Linux's options and send flags, with the reason for each one tapwire
 * lacks), packetdrill's sequence numbering relative to each side's ISN after the SYN, blocking
 * {@code start...end} calls that run while the script goes on, and expected GSO-sized segments
 * joined from the MSS-sized ones tapwire sends (unless {@code --strict_segments} or
 * {@code ethtool -K ... tso off gso off}).
 *
 * <p>Where the interpreter differs from packetdrill, it is stricter or says so:
 * <ul>
 *   <li>Anything the interpreter cannot run faithfully (UDP/SCTP/ICMP packets, IP header details,
 *       unknown TCP options, system calls, socket options, shell commands, Python beyond the
 *       assert forms above) makes the script skipped-unsupported, never passed.</li>
 *   <li>Every outbound segment is checked for its checksums and for having no IP options, besides
 *       packetdrill's header, option, payload and timing checks.</li>
 *   <li>The stack counting an internal error fails the script.</li>
 *   <li>getsockopt SO_RCVBUF/SO_SNDBUF differences are tolerated and noted: buffer accounting is
 *       a local choice, and the windows it leads to are checked on the wire.</li>
 * </ul>
 */
package io.tapwire.pcap.drill;
