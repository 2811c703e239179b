package io.tapwire.apps.bench;

import io.tapwire.apps.Sandbox;
import io.tapwire.apps.VethPair;
import io.tapwire.tap.Netns;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One of the two systems under test: tapwire behind the TAP of a {@link Sandbox} or the Linux kernel
 * on the far end of a {@link VethPair}. Either way the client tools run in {@link #client()} at
 * 10.0.0.1 and the server is 10.0.0.2.
 */
final class Side {
    private final String name;
    private final Netns client;
    private final Sandbox sandbox;
    private final VethPair veth;

    private Side(String name, Netns client, Sandbox sandbox, VethPair veth) {
        this.name = name;
        this.client = client;
        this.sandbox = sandbox;
        this.veth = veth;
    }

    static Side tapwire(Sandbox sb) {
        return new Side("tapwire", sb.netns(), sb, null);
    }

    static Side linux(VethPair veth) {
        return new Side("Linux", veth.host(), null, veth);
    }

    String name() {
        return name;
    }

    boolean isTapwire() {
        return sandbox != null;
    }

    /** Where the Linux client tools run (10.0.0.1). */
    Netns client() {
        return client;
    }

    Sandbox sandbox() {
        return sandbox;
    }

    VethPair veth() {
        return veth;
    }

    /** Counters of the server's stack and of the client's kernel, for {@link #countersMoved}. */
    Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        if (sandbox != null) {
            CounterDeltas.tapwire(sandbox.statistics()).forEach((k, v) -> m.put("server:" + k, v));
        } else {
            CounterDeltas.linux(veth.peer()).forEach((k, v) -> m.put("server:" + k, v));
        }
        CounterDeltas.linux(client).forEach((k, v) -> m.put("client:" + k, v));
        CounterDeltas.device(client, sandbox != null ? Sandbox.TAP_NAME : "veth0").forEach((k, v) -> m.put("client:" + k, v));
        return m;
    }

    /** What moved between two {@link #counters()} snapshots, server then client. */
    String countersMoved(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> sb = strip(before, "server:");
        Map<String, Long> sa = strip(after, "server:");
        String server = sandbox != null ? CounterDeltas.tapwireDelta(sb, sa) : CounterDeltas.linuxDelta(sb, sa);
        String cl = CounterDeltas.linuxDelta(strip(before, "client:"), strip(after, "client:"));
        return (sandbox != null ? "tapwire stack: " : "Linux server ns: ") + server + "; Linux client ns: " + cl;
    }

    /** Segments the server retransmitted between the snapshots. */
    long serverRetransmits(Map<String, Long> before, Map<String, Long> after) {
        String key = sandbox != null ? "server:TCP_RETRANS_SEGS" : "server:Tcp.RetransSegs";
        return CounterDeltas.moved(before, after, key);
    }

    private static Map<String, Long> strip(Map<String, Long> m, String prefix) {
        Map<String, Long> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    @Override
    public String toString() {
        return name;
    }
}
