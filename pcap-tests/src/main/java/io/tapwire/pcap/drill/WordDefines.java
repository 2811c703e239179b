package io.tapwire.pcap.drill;

import java.util.Map;
import java.util.Set;

/**
 * packetdrill's {@code -D NAME=VALUE}: a word of the script replaced by a value. The runner's
 * defines ({@link RunOptions#defines()}, {@code --define NAME=VALUE}) hold them beside the plain
 * names {@code #ifdef} tests. Used for the ICMP code of an {@code icmp} line, where Linux's
 * Fast Open scripts write {@code CODE}.
 *
 * <p>Linux's scripts {@code fastopen/server/icmp-baseline.pkt} and {@code icmp-before-accept.pkt}
 * say "Send an ICMP unreachable (code=CODE)" and expect the request to be dropped (Linux's
 * tcp_v4_err passes abort to tcp_req_err only for net and host unreachable) and the Fast Open
 * child to fail with EHOSTUNREACH (icmp_err_convert gives it for host unreachable and codes 10,
 * 12-15, ENETUNREACH for net unreachable). packetdrill's own runner (run_all.py) defines no CODE,
 * with which packetdrill rejects both ("bad ICMP code CODE"). The one code both scripts' expectations
 * hold for is host unreachable, so the Linux dialect defines {@code CODE=host_unreachable} unless
 * the run defines CODE itself.
 */
final class WordDefines {
    /** The Linux dialect's default word defines. */
    static final Map<String, String> LINUX_DEFAULTS = Map.of("CODE", "host_unreachable");

    private WordDefines() {
    }

    /** The value of {@code word} among {@code defines} ({@code word=VALUE}), the Linux default, or {@code word} itself. */
    static String resolve(String word, Set<String> defines, boolean linux) {
        if (word == null) {
            return null;
        }
        for (String d : defines) {
            int eq = d.indexOf('=');
            if (eq > 0 && d.substring(0, eq).equals(word)) {
                return d.substring(eq + 1);
            }
        }
        return linux ? LINUX_DEFAULTS.getOrDefault(word, word) : word;
    }

    /** {@code icmp} with its code word resolved. */
    static Script.Icmp resolve(Script.Icmp icmp, Set<String> defines, boolean linux) {
        String code = resolve(icmp.code(), defines, linux);
        return code == null || code.equals(icmp.code()) ? icmp : new Script.Icmp(icmp.type(), code, icmp.seq(), icmp.mtu());
    }
}
