package io.tapwire.net;

import io.tapwire.StackConfig;

/**
 * Flow labels for the packets the stack originates outside TCP (UDP datagrams, ICMPv6 echo and
 * errors), as Linux's {@code ip6_make_flowlabel} with {@code net.ipv6.auto_flowlabels}: a 20-bit
 * keyed hash of the flow (addresses, next header, ports or ICMPv6 type and code), so every packet
 * of a flow carries the same label and labels of different flows look random (RFC 6437 section
 * 3). Neighbour discovery and MLD keep label 0, as Linux's {@code ip6_nd_hdr} and
 * {@code ip6_mc_hdr} do. TCP computes its own per connection.
 */
public final class FlowLabels {
    private final boolean on;
    private final long key;

    public FlowLabels(StackConfig config) {
        // auto_flowlabels: 1 on unless a socket turns it off, 3 always; 0 off, 2 only for sockets
        // that ask (tapwire's sockets have no IPV6_AUTOFLOWLABEL option, so never).
        this.on = config.autoFlowlabels == 1 || config.autoFlowlabels == 3;
        this.key = mix(config.tcpIsnSecret ^ 0x6437_F10AL);
    }

    /**
     * The label for a packet of the flow, or 0 when automatic labels are off.
     *
     * @param ports source port in the high 16 bits and destination port in the low ones, or the
     *     ICMPv6 type and code ({@code type << 8 | code})
     */
    public int of(long srcHi, long srcLo, long dstHi, long dstLo, int nextHeader, int ports) {
        if (!on) {
            return 0;
        }
        long h = mix(key ^ srcHi);
        h = mix(h ^ srcLo);
        h = mix(h ^ dstHi);
        h = mix(h ^ dstLo);
        h = mix(h ^ (((long) nextHeader << 32) | (ports & 0xFFFF_FFFFL)));
        int label = (int) (h & 0xF_FFFF);
        // Linux's ip6_make_flowlabel never makes 0, which means "no label".
        return label == 0 ? 1 : label;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
