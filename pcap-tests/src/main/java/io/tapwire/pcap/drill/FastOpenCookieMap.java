package io.tapwire.pcap.drill;

import io.tapwire.tcp.FastOpenCookies;
import io.tapwire.wire.Ipv4Address;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Fast Open server cookies between the script's addresses and the runner's. Linux's scripts are
 * written for packetdrill's addresses (by default client 192.0.2.1, server 192.168.0.1, or the
 * script's {@code --remote_ip} / {@code --local_ip}), and a server cookie is a function of the
 * two addresses and the key (RFC 7413 4.1.2; Linux's SipHash, {@link FastOpenCookies}), while the
 * runner always uses {@link FreeBsdProfile}'s addresses. As packetdrill maps sequence numbers and
 * timestamps, a cookie is translated only when it is exactly the one the stack's function gives
 * for one side's addresses under a key in use: a cookie the stack computes differently from Linux
 * is left alone and fails the comparison. IPv4 only; off for the FreeBSD suite (its scripts
 * take cookies as the stack gives them).
 */
final class FastOpenCookieMap {
    /** packetdrill's default remote (client) address. */
    static final String DEFAULT_REMOTE = "192.0.2.1";
    /** packetdrill's default local (server) address. */
    static final String DEFAULT_LOCAL = "192.168.0.1";

    private boolean enabled;
    private int scriptClient = Ipv4Address.parse(DEFAULT_REMOTE);
    private int scriptServer = Ipv4Address.parse(DEFAULT_LOCAL);
    private Supplier<byte[]> stackKey = () -> null;
    private final List<byte[]> socketKeys = new ArrayList<>();

    /** Turns translation on for a script whose peer is {@code remote} and whose stack is {@code local}. */
    void enable(String remote, String local, Supplier<byte[]> stackKey) {
        this.enabled = true;
        this.scriptClient = Ipv4Address.parse(remote);
        this.scriptServer = Ipv4Address.parse(local);
        this.stackKey = stackKey;
    }

    /** A key a listener was given with TCP_FASTOPEN_KEY. */
    void addKey(byte[] key) {
        socketKeys.add(key.clone());
    }

    /** The script's options with their Fast Open cookies for the script's addresses made the runner's. */
    List<TcpOption> toLive(List<TcpOption> options) {
        if (!enabled) {
            return options;
        }
        List<TcpOption> out = new ArrayList<>(options.size());
        for (TcpOption o : options) {
            out.add(o instanceof TcpOption.FastOpen f ? new TcpOption.FastOpen(
                    translate(f.cookie(), scriptClient, scriptServer, FreeBsdProfile.PEER_ADDRESS, FreeBsdProfile.STACK_ADDRESS),
                    f.experimental()) : o);
        }
        return out;
    }

    /** Options as the stack sent them, with a cookie for the runner's addresses made the script's. */
    byte[] toScript(byte[] options) {
        if (!enabled) {
            return options;
        }
        List<TcpOption> decoded = TcpOption.decode(options);
        boolean changed = false;
        List<TcpOption> out = new ArrayList<>(decoded.size());
        for (TcpOption o : decoded) {
            if (o instanceof TcpOption.FastOpen f) {
                byte[] c = translate(f.cookie(), FreeBsdProfile.PEER_ADDRESS, FreeBsdProfile.STACK_ADDRESS, scriptClient, scriptServer);
                changed |= c != f.cookie();
                out.add(new TcpOption.FastOpen(c, f.experimental()));
            } else {
                out.add(o);
            }
        }
        return changed ? TcpOption.encode(out) : options;
    }

    private byte[] translate(byte[] cookie, int fromClient, int fromServer, int toClient, int toServer) {
        if (cookie.length != 8) {
            return cookie;
        }
        List<byte[]> keys = new ArrayList<>(socketKeys);
        byte[] k = stackKey.get();
        if (k != null) {
            keys.add(k);
        }
        for (byte[] key : keys) {
            if (Arrays.equals(cookie, FastOpenCookies.ipv4(key, fromClient, fromServer))) {
                return FastOpenCookies.ipv4(key, toClient, toServer);
            }
        }
        return cookie;
    }
}
