package io.tapwire.net;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.time.Timer;
import io.tapwire.time.TimerQueue;
import io.tapwire.wire.Icmpv6Packet;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6Packet;
import io.tapwire.wire.NdOptions;

import java.nio.ByteBuffer;

/**
 * Stateless address autoconfiguration from router advertisements (RFC 4862 section 5.5, Linux's
 * {@code accept_ra=1} and {@code autoconf=1}): a valid advertisement's prefix information options
 * with the A flag form an address from the /64 prefix and our interface identifier (the EUI-64 of
 * the MAC, as the link-local address), which goes through DAD, is deprecated when its preferred
 * lifetime ends and removed when its valid lifetime does; a later advertisement of the prefix
 * renews the lifetimes under the two-hour rule of section 5.5.3 (e). A prefix with the L flag is
 * on-link while its address lives.
 *
 * <p>The advertisement's router lifetime also puts its sender on the {@link DefaultRouters} list
 * ({@code accept_ra_defrtr}, RFC 4861 section 6.3.4), its source link-layer address option in the
 * neighbour cache (STALE, as from a solicitation).
 *
 * <p>Not done: on-link prefixes without the A flag, the advertisement's MTU, hop limit, reachable
 * and retransmission times, router preferences (RFC 4191).
 */
public final class Slaac {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Slaac.class);
    /** Where a router advertisement's options start (RFC 4861 section 4.2). */
    static final int RA_OPTIONS = 16;
    /** The router lifetime field of a router advertisement (RFC 4861 section 4.2). */
    static final int ROUTER_LIFETIME = 6;
    /** A prefix information option is 32 bytes (RFC 4861 section 4.6.2). */
    static final int PREFIX_OPTION_LENGTH = 32;
    static final int FLAG_ON_LINK = 0x80;
    static final int FLAG_AUTONOMOUS = 0x40;
    /** The interface identifier is 64 bits on Ethernet (RFC 2464 section 4): prefixes must be /64. */
    private static final int PREFIX_LENGTH = 64;
    /** RFC 4862 section 5.5.3 (e): a valid lifetime is not cut below two hours by an advertisement. */
    private static final long TWO_HOURS = 7200L * 1_000_000_000L;
    private static final long INFINITE = 0xFFFF_FFFFL;

    private final StackConfig config;
    private final Ipv6Addresses addresses;
    private final NeighbourDiscovery nd;
    private final TimerQueue timers;
    private final Statistics stats;
    private final NdOptions options = new NdOptions();
    private final Timer lifetimes = new Timer(this::expire);
    private long now;

    public Slaac(StackConfig config, Ipv6Addresses addresses, NeighbourDiscovery nd, TimerQueue timers, Statistics stats) {
        this.config = config;
        this.addresses = addresses;
        this.nd = nd;
        this.timers = timers;
        this.stats = stats;
    }

    public void setNow(long now) {
        this.now = now;
    }

    /** A router advertisement (RFC 4861 section 6.1.2 validation), its prefix options applied. */
    void routerAdvertisement(Ipv6Packet ip, Icmpv6Packet icmp) {
        if (config.acceptRa <= 0) {
            stats.inc(Stat.ICMP6_IN_ROUTER_ADVERTISEMENTS_IGNORED);
            return;
        }
        if (!Ipv6Address.isLinkLocal(ip.srcHi()) || ip.hopLimit() != 255 || icmp.code() != 0 || icmp.length() < RA_OPTIONS) {
            stats.drop(DropReason.ICMP6_ND_INVALID);
            return;
        }
        ByteBuffer b = icmp.buffer();
        // Every option must be well formed before any is used (section 6.1.2).
        options.start(b, icmp.offset() + RA_OPTIONS, icmp.length() - RA_OPTIONS);
        for (int t = options.next(); t != NdOptions.END; t = options.next()) {
            if (t == NdOptions.MALFORMED) {
                stats.drop(DropReason.ICMP6_ND_INVALID);
                return;
            }
        }
        stats.inc(Stat.ICMP6_IN_ROUTER_ADVERTISEMENTS);
        if (config.acceptRaDefrtr) {
            defaultRouter(ip, icmp);
        }
        if (!config.autoconf) {
            return;
        }
        options.start(b, icmp.offset() + RA_OPTIONS, icmp.length() - RA_OPTIONS);
        for (int t = options.next(); t != NdOptions.END; t = options.next()) {
            if (t == NdOptions.PREFIX_INFORMATION) {
                prefix(b, options.optionStart(), options.optionLength());
            }
        }
    }

    /**
     * RFC 4861 section 6.3.4: the router lifetime (bytes 6-7, seconds) adds, refreshes or (0)
     * removes the sender as a default router; a source link-layer address option is recorded for
     * it as a solicitation's would be (STALE), so the first packet through it needs no resolution.
     */
    private void defaultRouter(Ipv6Packet ip, Icmpv6Packet icmp) {
        ByteBuffer b = icmp.buffer();
        int lifetime = b.getShort(icmp.offset() + ROUTER_LIFETIME) & 0xFFFF;
        if (!addresses.routers().advertised(ip.srcHi(), ip.srcLo(), lifetime)) {
            stats.inc(Stat.ND_ROUTERS_IGNORED);
            return;
        }
        if (lifetime == 0) {
            return;
        }
        options.start(b, icmp.offset() + RA_OPTIONS, icmp.length() - RA_OPTIONS);
        for (int t = options.next(); t != NdOptions.END; t = options.next()) {
            if (t == NdOptions.SOURCE_LINK_LAYER_ADDRESS && options.optionLength() == NdOptions.ETHERNET_LLA_LENGTH) {
                nd.learnRouter(ip.srcHi(), ip.srcLo(), options.linkLayerAddress());
            }
        }
    }

    /** RFC 4862 section 5.5.3: one prefix information option. */
    private void prefix(ByteBuffer b, int at, int length) {
        if (length != PREFIX_OPTION_LENGTH) {
            stats.inc(Stat.ND_PREFIX_IGNORED);
            return;
        }
        int prefixLength = b.get(at + 2) & 0xFF;
        int flags = b.get(at + 3) & 0xFF;
        long valid = b.getInt(at + 4) & 0xFFFF_FFFFL;
        long preferred = b.getInt(at + 8) & 0xFFFF_FFFFL;
        long prefixHi = b.getLong(at + 16);
        // (a) no A flag, (b) the link-local prefix, (c) preferred above valid: ignored; and the
        // prefix must leave room for our 64-bit interface identifier exactly (section 5.5.3 d).
        if ((flags & FLAG_AUTONOMOUS) == 0 || Ipv6Address.isLinkLocal(prefixHi) || preferred > valid
                || prefixLength != PREFIX_LENGTH || Ipv6Address.isMulticast(prefixHi)) {
            stats.inc(Stat.ND_PREFIX_IGNORED);
            return;
        }
        Ipv6Addresses.Entry e = addresses.autoconfigured(prefixHi);
        if (e == null) {
            if (valid == 0 || addresses.all().length >= config.ipv6MaxAddresses) {
                stats.inc(Stat.ND_PREFIX_IGNORED);
                return;
            }
            Ipv6Address address = new Ipv6Address(prefixHi, Ipv6Address.interfaceId(config.mac));
            e = new Ipv6Addresses.Entry(address, PREFIX_LENGTH, true);
            e.onLink = (flags & FLAG_ON_LINK) != 0;
            e.preferredUntil = until(preferred);
            e.validUntil = until(valid);
            stats.inc(Stat.ND_SLAAC_ADDRESSES);
            LOG.info("IPv6 address {}/64 formed from a router advertisement", address);
            nd.addAutoconfigured(e);
        } else {
            // (e) 1: the preferred lifetime as advertised.
            e.preferredUntil = until(preferred);
            if (e.state == Ipv6Addresses.State.DEPRECATED && e.preferredUntil > now) {
                e.state = Ipv6Addresses.State.PREFERRED;
            }
            // (e) 2: the valid lifetime as advertised if above two hours or above what is left;
            // else left alone when two hours or less are left, else set to two hours (so a
            // spoofed advertisement cannot end an address at once).
            long remaining = e.validUntil - now;
            long advertised = valid == INFINITE ? Long.MAX_VALUE : valid * 1_000_000_000L;
            if (advertised > TWO_HOURS || advertised > remaining) {
                e.validUntil = until(valid);
            } else if (remaining > TWO_HOURS) {
                e.validUntil = now + TWO_HOURS;
            }
            e.onLink |= (flags & FLAG_ON_LINK) != 0;
        }
        rearm();
    }

    private long until(long seconds) {
        return seconds == INFINITE ? Long.MAX_VALUE : now + seconds * 1_000_000_000L;
    }

    /** Deprecates and removes autoconfigured addresses whose lifetimes ended (RFC 4862 section 5.5.4). */
    private void expire() {
        for (Ipv6Addresses.Entry e : addresses.all()) {
            if (!e.autoconf) {
                continue;
            }
            if (now >= e.validUntil) {
                stats.inc(Stat.ND_SLAAC_EXPIRED);
                LOG.info("IPv6 address {}: valid lifetime ended, removed", e.address());
                nd.removeAutoconfigured(e);
            } else if (now >= e.preferredUntil && e.state == Ipv6Addresses.State.PREFERRED) {
                e.state = Ipv6Addresses.State.DEPRECATED;
            }
        }
        rearm();
    }

    private void rearm() {
        long next = Long.MAX_VALUE;
        for (Ipv6Addresses.Entry e : addresses.all()) {
            if (!e.autoconf) {
                continue;
            }
            next = Math.min(next, e.validUntil);
            if (e.state != Ipv6Addresses.State.DEPRECATED && e.preferredUntil > now) {
                next = Math.min(next, e.preferredUntil);
            }
        }
        if (next == Long.MAX_VALUE) {
            timers.cancel(lifetimes);
        } else {
            timers.arm(lifetimes, Math.max(next, now));
        }
    }
}
