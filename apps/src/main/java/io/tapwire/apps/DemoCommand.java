package io.tapwire.apps;

import io.tapwire.Stat;
import io.tapwire.tap.Netns;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.wire.MacAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code tapwire demo}: the sandboxed show. Builds a {@link Sandbox}, runs everyday Linux tools
 * against the stack from inside the namespace, prints each command with its output and whether
 * it did what it should, then the stack's counters. Exits non-zero if a step failed.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Show tapwire answering real Linux tools: ping, arping, nc (UDP and TCP echo), a closed UDP port, nmap, a fragmented ping, curl over tapwire's TCP; then ping -6, curl -6 and nc -6 over IPv6.",
            "",
            "Runs in a private network namespace that is deleted afterwards: the Linux side is "
                    + Sandbox.HOST_ADDRESS + "/24 on " + Sandbox.TAP_NAME + ", the stack is " + Sandbox.STACK_ADDRESS
                    + "/24. Needs root, /dev/net/tun and the tools of scripts/install-deps.sh."
        })
public final class DemoCommand implements Callable<Integer> {
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(20);
    private static final String STACK = Sandbox.STACK_ADDRESS;
    /**
     * A connected UDP socket sends one datagram to a port nobody listens on; the ICMP port
     * unreachable that comes back makes the next call fail with ECONNREFUSED. (Debian's
     * OpenBSD nc exits silently in that case, so it cannot show it.)
     */
    static final String CLOSED_PORT_PROBE = "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
            + "s.settimeout(3); s.connect(('" + STACK + "', 9999)); s.send(b'x'); s.recv(16)";

    @Option(names = "--pcap", paramLabel = "FILE", description = "Also record the session to this pcap file.")
    Path pcap;

    @Option(names = "--io", defaultValue = "uring", paramLabel = "MODEL",
            description = "How the TCP services use sockets, as for tapwire up: uring, epoll or blocking (default: ${DEFAULT-VALUE}).")
    String io;

    /** One command to run in the sandbox and what its output must show. */
    private record Step(String title, String[] command, Function<Netns.Result, String> check, boolean failureExpected) {
        Step(String title, String[] command, Function<Netns.Result, String> check) {
            this(title, command, check, false);
        }
    }

    @Override
    public Integer call() {
        List<String> missing = Tools.missing("ping", "nc");
        if (!missing.isEmpty()) {
            System.err.println("tapwire demo: " + Tools.missingMessage(missing));
            return 2;
        }
        var cannot = Netns.canCreate();
        if (cannot.isPresent()) {
            System.err.println("tapwire demo: " + cannot.get());
            return 2;
        }
        int failed = 0;
        int passed = 0;
        TcpServices.IoModel model;
        try {
            model = TcpServices.IoModel.parse(io);
        } catch (IllegalArgumentException e) {
            System.err.println("tapwire demo: " + e.getMessage());
            return 2;
        }
        try (Sandbox sb = Sandbox.start(new Sandbox.Options().pcap(pcap).tcpServices(TcpServices.Selection.all()).io(model))) {
            String mac = MacAddress.toString(sb.config().mac);
            System.out.println("tapwire demo: stack " + STACK + "/" + Sandbox.PREFIX_LENGTH + " (MAC " + mac + ") behind "
                    + Sandbox.TAP_NAME + " in network namespace " + sb.netns().name() + "; Linux side "
                    + Sandbox.HOST_ADDRESS + "/" + Sandbox.PREFIX_LENGTH);
            System.out.println("TCP services (--io " + io + "): " + String.join(", ", sb.tcpServices().descriptions()));
            System.out.println();
            for (Step step : steps(mac)) {
                if (run(sb, step)) {
                    passed++;
                } else {
                    failed++;
                }
            }
            System.out.println("== The stack's counters");
            System.out.print(sb.statistics().format());
            if (sb.echoService() != null) {
                System.out.println("UDP echo service: " + sb.echoService().echoed() + " datagrams echoed");
            }
            long internal = sb.statistics().get(Stat.RX_INTERNAL_ERRORS);
            if (internal != 0 || sb.stackFailure() != null) {
                System.out.println("FAIL: the stack hit internal errors (" + internal + ") or stopped: " + sb.stackFailure());
                failed++;
            }
        }
        System.out.println();
        if (pcap != null) {
            System.out.println("pcap written to " + pcap + " (e.g. tshark -r " + pcap + ")");
        }
        System.out.println("demo: " + passed + " passed, " + failed + " failed; network namespace deleted");
        return failed == 0 ? 0 : 1;
    }

    private List<Step> steps(String mac) {
        Step arping = Tools.installed("arping")
                ? new Step("ARP: the stack answers who-has " + STACK + " with its MAC",
                        new String[] {"arping", "-c", "2", "-w", "5", "-I", Sandbox.TAP_NAME, STACK},
                        r -> r.stdout().toLowerCase(Locale.ROOT).contains("[" + mac + "]")
                                ? null : "no reply carrying the stack's MAC " + mac)
                : null;
        if (arping == null) {
            System.out.println("(arping is not installed: skipping the ARP step; scripts/install-deps.sh installs it)");
            System.out.println();
        }
        List<Step> steps = new ArrayList<>();
        Collections.addAll(steps,
                new Step("The Linux side: " + Sandbox.TAP_NAME + " with " + Sandbox.HOST_ADDRESS + "/24",
                        new String[] {"ip", "-br", "addr"},
                        r -> r.stdout().contains(Sandbox.HOST_ADDRESS + "/24") ? null : "address missing"),
                new Step("ICMP echo: ping the stack",
                        new String[] {"ping", "-c", "3", "-i", "0.2", "-W", "2", STACK},
                        r -> replies(r, 3)),
                arping,
                new Step("UDP echo (RFC 862) on port 7: nc sends a line, the stack sends it back",
                        new String[] {"sh", "-c", "echo hello tapwire | timeout 5 nc -u -w1 " + STACK + " 7"},
                        r -> r.stdout().contains("hello tapwire") ? null : "the echo did not come back"),
                Tools.installed("python3")
                        ? new Step("UDP to a closed port: the stack answers ICMP port unreachable, the sender sees ECONNREFUSED",
                                new String[] {"python3", "-c", CLOSED_PORT_PROBE},
                                r -> r.stderr().contains("Connection refused") ? null : "no 'Connection refused'", true)
                        : null,
                Tools.installed("nmap")
                        ? new Step("nmap UDP scan: port 7 answers (open), port 9999 refuses (closed)",
                                new String[] {"nmap", "-n", "-sU", "-p", "7,9999", STACK},
                                r -> r.stdout().matches("(?s).*7/udp\\s+open\\b.*") && r.stdout().matches("(?s).*9999/udp\\s+closed\\b.*")
                                        ? null : "expected 7/udp open and 9999/udp closed")
                        : null,
                new Step("Fragmentation: 4000-byte pings travel as 3 fragments each way and are reassembled",
                        new String[] {"ping", "-c", "2", "-i", "0.2", "-W", "2", "-s", "4000", STACK},
                        r -> replies(r, 2)),
                new Step("HTTP over tapwire's TCP: curl fetches the index page, which lists live connections",
                        new String[] {"curl", "-sS", "-m", "10", "http://" + STACK + "/"},
                        r -> r.stdout().contains("ESTABLISHED") ? null : "no index page listing an ESTABLISHED connection"),
                new Step("HTTP: 1 MB from /bytes/1000000, counted by curl",
                        new String[] {"curl", "-sS", "-m", "20", "-o", "/dev/null", "-w", "%{http_code} %{size_download} bytes\\n",
                                "http://" + STACK + "/bytes/1000000"},
                        r -> r.stdout().contains("200 1000000 bytes") ? null : "expected 200 and 1000000 bytes"),
                new Step("TCP echo (RFC 862) on port 7: nc sends a line and half-closes, the echo comes back",
                        new String[] {"sh", "-c", "echo hello over tcp | timeout 5 nc -N " + STACK + " 7"},
                        r -> r.stdout().contains("hello over tcp") ? null : "the echo did not come back"),
                new Step("TCP to a closed port: the stack answers RST, curl reports connection refused",
                        new String[] {"curl", "-sS", "-m", "5", "http://" + STACK + ":8080/"},
                        r -> r.exitCode() == 7 && r.stderr().contains("Couldn't connect") ? null : "curl was not refused", true),
                new Step("IPv6: ping -6 the stack's static address (found by neighbour discovery)",
                        new String[] {"ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", Sandbox.STACK_ADDRESS6},
                        r -> replies(r, 3)),
                new Step("IPv6 fragmentation: 4000-byte ping -6, fragment headers both ways",
                        new String[] {"ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", "-s", "4000", Sandbox.STACK_ADDRESS6},
                        r -> replies(r, 2)),
                new Step("IPv6: curl -6 fetches 1 MB over tapwire's TCP (the services listen on both families)",
                        new String[] {"curl", "-6", "-sS", "-m", "20", "-o", "/dev/null", "-w", "%{http_code} %{size_download} bytes\\n",
                                "http://[" + Sandbox.STACK_ADDRESS6 + "]/bytes/1000000"},
                        r -> r.stdout().contains("200 1000000 bytes") ? null : "expected 200 and 1000000 bytes"),
                new Step("IPv6: nc -6 to the TCP and UDP echo services",
                        new String[] {"sh", "-c", "echo tcp over ipv6 | timeout 5 nc -6 -N " + Sandbox.STACK_ADDRESS6 + " 7 && "
                                + "echo udp over ipv6 | timeout 5 nc -6 -u -w1 " + Sandbox.STACK_ADDRESS6 + " 7"},
                        r -> r.stdout().contains("tcp over ipv6") && r.stdout().contains("udp over ipv6") ? null : "an echo did not come back"));
        steps.removeIf(Objects::isNull);
        return steps;
    }

    private static String replies(Netns.Result r, int expected) {
        try {
            PingOutput p = PingOutput.parse(r.stdout());
            return p.received() == expected ? null : p.received() + " of " + expected + " replies";
        } catch (IllegalArgumentException e) {
            return "ping did not finish";
        }
    }

    private static boolean run(Sandbox sb, Step step) {
        System.out.println("== " + step.title());
        System.out.println("$ " + display(step.command()));
        String problem;
        try {
            Netns.Result r = sb.exec(STEP_TIMEOUT, step.command());
            print(r.stdout());
            print(r.stderr());
            problem = step.check().apply(r);
            if (problem == null && !r.ok() && !step.failureExpected()) {
                problem = "exit status " + r.exitCode();
            }
        } catch (Netns.CommandFailedException e) {
            problem = e.getMessage();
        }
        System.out.println(problem == null ? "-> ok" : "-> FAILED: " + problem);
        System.out.println();
        return problem == null;
    }

    /** The command as one would type it in a shell. */
    static String display(String[] command) {
        if (command.length == 3 && command[0].equals("sh") && command[1].equals("-c")) {
            return command[2];
        }
        StringBuilder sb = new StringBuilder();
        for (String arg : command) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(arg.matches("[A-Za-z0-9_./:,=+-]+") ? arg : "\"" + arg + "\"");
        }
        return sb.toString();
    }

    private static void print(String text) {
        if (!text.isBlank()) {
            System.out.print(text.endsWith("\n") ? text : text + "\n");
        }
    }
}
