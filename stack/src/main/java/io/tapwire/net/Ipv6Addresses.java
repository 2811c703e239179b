package io.tapwire.net;

import io.tapwire.StackConfig;
import io.tapwire.wire.Ipv6Address;

/**
 * Our IPv6 addresses and the multicast groups they imply: the link-local address derived from the
 * MAC (RFC 4862 section 5.3), the optional static address, and addresses formed from router
 * advertisements ({@link Slaac}, RFC 4862 section 5.5), each TENTATIVE until duplicate address
 * detection passes (RFC 4862 section 5.4), then PREFERRED, or DUPLICATE if another node has it;
 * an autoconfigured one turns DEPRECATED when its preferred lifetime ends and is removed when its
 * valid lifetime does. Joined groups are all-nodes and the solicited-node group of each address
 * (RFC 4291 section 2.8); the Ethernet filter accepts their 33:33 addresses (RFC 2464 section 7).
 *
 * <p>The address list is replaced, not changed in place, when an address comes or goes (rare: a
 * router advertisement), so other threads may read it at any time.
 */
public final class Ipv6Addresses {
    /** An address's duplicate-address-detection state (Linux: IFA_F_TENTATIVE, none, IFA_F_DADFAILED). */
    public enum State {
        TENTATIVE, PREFERRED,
        /** Valid but past its preferred lifetime: it still receives, but is not chosen as a source (RFC 4862 section 5.5.4). */
        DEPRECATED,
        DUPLICATE
    }

    /** One of our addresses. */
    public static final class Entry {
        final Ipv6Address address;
        final int prefixLength;
        /** Written by the stack thread, read by others (a sandbox waiting for DAD). */
        volatile State state = State.TENTATIVE;
        /** DAD solicitations still to send. */
        int dadProbesLeft;
        /** Formed from a router advertisement's prefix (RFC 4862 section 5.5.3), not configured. */
        final boolean autoconf;
        /** For an autoconfigured address: whether its prefix is on-link (the option's L flag). */
        boolean onLink;
        /** When the preferred and the valid lifetimes end (stack-clock nanoseconds; never for a configured address). */
        long preferredUntil = Long.MAX_VALUE;
        long validUntil = Long.MAX_VALUE;
        /** Paces this address's DAD; set by {@link NeighbourDiscovery}. */
        io.tapwire.time.Timer dadTimer;

        Entry(Ipv6Address address, int prefixLength) {
            this(address, prefixLength, false);
        }

        Entry(Ipv6Address address, int prefixLength, boolean autoconf) {
            this.address = address;
            this.prefixLength = prefixLength;
            this.autoconf = autoconf;
        }

        public boolean autoconf() { return autoconf; }
        public long preferredUntil() { return preferredUntil; }
        public long validUntil() { return validUntil; }

        public Ipv6Address address() { return address; }
        public int prefixLength() { return prefixLength; }
        public State state() { return state; }
    }

    private final Entry linkLocal;
    private final Entry global;
    private volatile Entry[] all;

    private final DefaultRouters routers = new DefaultRouters();

    public Ipv6Addresses(StackConfig config) {
        this.linkLocal = new Entry(Ipv6Address.linkLocalFromMac(config.mac), 64);
        this.global = config.address6 == null ? null : new Entry(config.address6, config.prefixLength6);
        this.all = global == null ? new Entry[] {linkLocal} : new Entry[] {linkLocal, global};
    }

    /** The default routers learned from router advertisements (RFC 4861 section 6.3.4). */
    public DefaultRouters routers() { return routers; }

    /** Every address, link-local first, then the static one, then the autoconfigured ones. */
    public Entry[] all() { return all; }

    /** Adds an autoconfigured address (stack thread). */
    void add(Entry e) {
        Entry[] now = all;
        Entry[] next = java.util.Arrays.copyOf(now, now.length + 1);
        next[now.length] = e;
        all = next;
    }

    /** Removes an autoconfigured address whose valid lifetime ended (stack thread). */
    void remove(Entry e) {
        all = java.util.Arrays.stream(all).filter(x -> x != e).toArray(Entry[]::new);
    }

    /** The autoconfigured address formed from the /64 prefix {@code prefixHi}, or null. */
    public Entry autoconfigured(long prefixHi) {
        for (Entry e : all) {
            if (e.autoconf && e.address.hi() == prefixHi) {
                return e;
            }
        }
        return null;
    }
    public Entry linkLocal() { return linkLocal; }
    /** The static address, or null. */
    public Entry global() { return global; }

    /** Our address with these halves in any state, or null. */
    public Entry find(long hi, long lo) {
        for (Entry e : all) {
            if (e.address.hi() == hi && e.address.lo() == lo) {
                return e;
            }
        }
        return null;
    }

    /** True for one of our addresses that passed DAD: only those receive (RFC 4862 section 5.4: a tentative address does not). */
    public boolean isOurs(long hi, long lo) {
        Entry e = find(hi, lo);
        return e != null && (e.state == State.PREFERRED || e.state == State.DEPRECATED);
    }

    /** True for all-nodes and for the solicited-node group of any of our addresses not found duplicate. */
    public boolean isJoinedGroup(long hi, long lo) {
        if (hi == Ipv6Address.ALL_NODES.hi() && lo == Ipv6Address.ALL_NODES.lo()) {
            return true;
        }
        for (Entry e : all) {
            if (e.state != State.DUPLICATE && hi == 0xff02_0000_0000_0000L && lo == (0x0000_0001_ff00_0000L | (e.address.lo() & 0xFF_FFFFL))) {
                return true;
            }
        }
        return false;
    }

    /** True when Ethernet should accept frames to {@code mac}: the 33:33 address of a joined group. */
    public boolean acceptsMac(long mac) {
        if (mac == Ipv6Address.multicastMac(Ipv6Address.ALL_NODES.lo())) {
            return true;
        }
        for (Entry e : all) {
            if (e.state != State.DUPLICATE && mac == Ipv6Address.multicastMac(0xff00_0000L | (e.address.lo() & 0xFF_FFFFL))) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code dst} is on our link: link-local, or inside the static address's prefix. */
    public boolean isOnLink(long hi, long lo) {
        if (Ipv6Address.isLinkLocal(hi)) {
            return true;
        }
        if (global != null && Ipv6Address.samePrefix(hi, lo, global.address.hi(), global.address.lo(), global.prefixLength)) {
            return true;
        }
        for (Entry e : all) {
            // RFC 4861 section 6.3.4: a prefix with the L flag is on-link for its valid lifetime.
            if (e.autoconf && e.onLink && Ipv6Address.samePrefix(hi, lo, e.address.hi(), e.address.lo(), e.prefixLength)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The source address for a packet to {@code dst} (RFC 6724 section 5, reduced to our
     * addresses): for a destination outside link-local scope the static address when it is
     * usable, else a preferred autoconfigured one (rule 3: never a deprecated one), the one in
     * the destination's /64 first (rule 8, longest matching prefix); else the link-local address;
     * null when the chosen address is not yet usable.
     */
    public Ipv6Address sourceFor(long dstHi, long dstLo) {
        boolean linkScope = Ipv6Address.isLinkLocal(dstHi) || (Ipv6Address.isMulticast(dstHi) && ((dstHi >>> 48) & 0xF) <= 2);
        if (!linkScope && global != null && global.state == State.PREFERRED) {
            return global.address;
        }
        if (!linkScope) {
            Entry pick = null;
            for (Entry e : all) {
                if (e.autoconf && e.state == State.PREFERRED && (pick == null || e.address.hi() == dstHi)) {
                    pick = e;
                }
            }
            if (pick != null) {
                return pick.address;
            }
        }
        return linkLocal.state == State.PREFERRED ? linkLocal.address : null;
    }

    /** True when every address has passed DAD (or failed it): the interface is as ready as it will get. */
    public boolean settled() {
        for (Entry e : all) {
            if (e.state == State.TENTATIVE) {
                return false;
            }
        }
        return true;
    }
}
