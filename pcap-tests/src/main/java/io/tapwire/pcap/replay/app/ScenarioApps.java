package io.tapwire.pcap.replay.app;

import io.tapwire.pcap.replay.ScenarioConfig.AppSpec;

/**
 * The applications a scenario can run, by the kind named in its config ({@code app.N=kind
 * key=value ...}).
 *
 * <table>
 * <caption>kinds</caption>
 * <tr><td>{@code udp-echo}</td><td>RFC 862 over UDP ({@code port}, default 7)</td></tr>
 * <tr><td>{@code tcp-echo}</td><td>RFC 862 over TCP (default port 7)</td></tr>
 * <tr><td>{@code discard}</td><td>RFC 863 (default port 9)</td></tr>
 * <tr><td>{@code chargen}</td><td>RFC 864 (default port 19; {@code limit})</td></tr>
 * <tr><td>{@code http}</td><td>a small HTTP/1.1 server (default port 80): {@code /}, {@code /bytes/N}, {@code /stream/N}</td></tr>
 * <tr><td>{@code trickle}</td><td>timed small writes ({@code chunks}, {@code size}, {@code intervalMillis}; default port 2000)</td></tr>
 * <tr><td>{@code closer}</td><td>closes as soon as data arrives (default port 5)</td></tr>
 * </table>
 *
 * Every TCP kind also takes {@code backlog}, {@code accept}, {@code nodelay}, {@code rcvbuf},
 * {@code sndbuf} and {@code paused} (see {@link StreamApp}).
 */
public final class ScenarioApps {
    private ScenarioApps() {
    }

    /**
     * Builds the app {@code spec} names.
     *
     * @throws IllegalArgumentException for an unknown kind
     */
    public static ScenarioApp create(AppSpec spec) {
        return switch (spec.kind()) {
            case "udp-echo" -> new UdpEchoApp(spec.intParam("port", 7));
            case "tcp-echo" -> new EchoApp(spec);
            case "discard" -> new DiscardApp(spec);
            case "chargen" -> new ChargenApp(spec);
            case "http" -> new HttpApp(spec);
            case "trickle" -> new TrickleApp(spec);
            case "closer" -> new CloserApp(spec);
            default -> throw new IllegalArgumentException("unknown app kind '" + spec.kind()
                    + "' (known: udp-echo, tcp-echo, discard, chargen, http, trickle, closer)");
        };
    }
}
