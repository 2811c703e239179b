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
 * Neighbour discovery for our addresses (RFC 4861) and duplicate address detection (RFC 4862
 * section 5.4): answers solicitations for our addresses, feeds advertisements to the
 * {@link NeighbourCache}, sends the cache's solicitations, runs DAD for each address when the stack
 * starts, and reports the solicited-node groups it joins with MLDv2 (RFC 3810 section 5.2).
 */
public final class NeighbourDiscovery implements NeighbourCache.Solicitor {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NeighbourDiscovery.class);
    /** ND messages are sent, and must arrive, with hop limit 255 (RFC 4861 sections 6-7: proof they were not forwarded). */
    private static final int ND_HOP_LIMIT = 255;

    private final StackConfig config;
    private final Interface iface;
    private final Ipv6Addresses addresses;
    private final NeighbourCache cache;
    private final TimerQueue timers;
    private final Statistics stats;
    /** A pending answer to an MLD query (RFC 3810 section 6.2: one report, after a random delay). */
    private final Timer mldTimer = new Timer(() -> sendMldReport(Icmpv6Packet.MLD2_MODE_IS_EXCLUDE));
    /** The repeats of the unsolicited report sent at start (RFC 3810 section 6.1, robustness). */
    private final Timer mldRepeatTimer = new Timer(this::repeatUnsolicitedReport);
    private int mldRepeatsLeft;
    private final java.util.SplittableRandom random;
    private final NdOptions options = new NdOptions();
    private final Icmpv6Packet msg = new Icmpv6Packet();
    private Ipv6Output out;
    private long now;

    public NeighbourDiscovery(StackConfig config, Interface iface, Ipv6Addresses addresses, NeighbourCache cache, TimerQueue timers,
                              Statistics stats) {
        this.config = config;
        this.iface = iface;
        this.addresses = addresses;
        this.cache = cache;
        this.timers = timers;
        this.stats = stats;
        for (Ipv6Addresses.Entry e : addresses.all()) {
            e.dadTimer = new Timer(() -> dadStep(e));
        }
        cache.setSolicitor(this);
        this.random = new java.util.SplittableRandom(config.seed ^ 0x3810);
    }

    public void setOutput(Ipv6Output out) {
        this.out = out;
    }

    public void setNow(long now) {
        this.now = now;
    }

    /**
     * Brings the addresses up: joins their solicited-node groups with an MLDv2 report, sent
     * {@code mld_qrv} times, the repeats each after a random delay within
     * {@code mldv2_unsolicited_report_interval} (RFC 3810 section 6.1; Linux's defaults 2 and 1 s),
     * and starts DAD for each address after its own random delay in [0,
     * {@code router_solicitation_delay}) (RFC 4862 section 5.4.2, as Linux's addrconf_dad_kick):
     * then an unanswered solicitation from :: every {@code retrans_time}, {@code dad_transmits}
     * times. The delays come from the stack's seeded random source, so a simulation replays them.
     */
    public void start() {
        sendMldReport(Icmpv6Packet.MLD2_CHANGE_TO_EXCLUDE);
        mldRepeatsLeft = config.mldQrv - 1;
        armMldRepeat();
        Ipv6Addresses.Entry[] all = addresses.all();
        for (int i = 0; i < all.length; i++) {
            Ipv6Addresses.Entry e = all[i];
            e.dadProbesLeft = config.dadTransmits;
            if (config.dadTransmits == 0) {
                e.state = Ipv6Addresses.State.PREFERRED;
                continue;
            }
            startDad(e);
        }
    }

    /** DAD for {@code e} after a random delay below {@code router_solicitation_delay} (Linux's addrconf_dad_kick). */
    private void startDad(Ipv6Addresses.Entry e) {
        stats.inc(Stat.ND_DAD_STARTED);
        long delay = config.rtrSolicitDelayNanos <= 0 ? 0 : random.nextLong(config.rtrSolicitDelayNanos);
        timers.arm(e.dadTimer, now + delay);
    }

    /**
     * An address formed from a router advertisement joins the list TENTATIVE and goes through DAD
     * like the others (RFC 4862 section 5.4); a solicited-node group it brings is reported.
     */
    /**
     * A router advertisement from {@code hi:lo} carried its link-layer address (RFC 4861 section
     * 6.3.4): recorded as a solicitation's is, STALE (or updated to STALE when it changed).
     */
    void learnRouter(long hi, long lo, long mac) {
        cache.learnFromSolicitation(hi, lo, mac);
    }

    void addAutoconfigured(Ipv6Addresses.Entry e) {
        boolean newGroup = !addresses.isJoinedGroup(0xff02_0000_0000_0000L, 0x0000_0001_ff00_0000L | (e.address.lo() & 0xFF_FFFFL));
        e.dadTimer = new Timer(() -> dadStep(e));
        e.dadProbesLeft = config.dadTransmits;
        addresses.add(e);
        if (newGroup) {
            sendMldReport(Icmpv6Packet.MLD2_CHANGE_TO_EXCLUDE);
        }
        if (config.dadTransmits == 0) {
            e.state = Ipv6Addresses.State.PREFERRED;
            return;
        }
        startDad(e);
    }

    /** An autoconfigured address whose valid lifetime ended leaves (RFC 4862 section 5.5.4). */
    void removeAutoconfigured(Ipv6Addresses.Entry e) {
        timers.cancel(e.dadTimer);
        addresses.remove(e);
    }

    private void armMldRepeat() {
        if (mldRepeatsLeft <= 0) {
            return;
        }
        long interval = config.mldv2UnsolicitedReportIntervalNanos;
        // Linux (mld_ifc_start_work with a random delay): at least a jiffy, at most the interval.
        timers.arm(mldRepeatTimer, now + 1 + (interval <= 1 ? 0 : random.nextLong(interval)));
    }

    private void repeatUnsolicitedReport() {
        mldRepeatsLeft--;
        sendMldReport(Icmpv6Packet.MLD2_CHANGE_TO_EXCLUDE);
        armMldRepeat();
    }

    private void dadStep(Ipv6Addresses.Entry e) {
        if (e.state != Ipv6Addresses.State.TENTATIVE) {
            return;
        }
        if (e.dadProbesLeft == 0) {
            // An autoconfigured address whose preferred lifetime ran out during DAD is deprecated at once.
            e.state = now >= e.preferredUntil ? Ipv6Addresses.State.DEPRECATED : Ipv6Addresses.State.PREFERRED;
            LOG.debug("IPv6 address {} passed duplicate address detection", e.address);
            return;
        }
        e.dadProbesLeft--;
        Ipv6Address group = e.address.solicitedNode();
        sendSolicitation(Ipv6Address.ANY, group.hi(), group.lo(), e.address.hi(), e.address.lo(), false);
        timers.arm(e.dadTimer, now + config.ndRetransNanos);
    }

    /** Another node has {@code e}: it is never used (RFC 4862 section 5.4.5; Linux marks it dadfailed). */
    private void dadFailed(Ipv6Addresses.Entry e) {
        e.state = Ipv6Addresses.State.DUPLICATE;
        timers.cancel(e.dadTimer);
        stats.inc(Stat.ND_DAD_FAILED);
        LOG.warn("IPv6 address {}: duplicate address detected, the address is not used", e.address);
    }

    /** A neighbour solicitation (RFC 4861 section 7.1.1 validation, 7.2.3 and 7.2.4 processing). */
    void solicitation(Ipv6Packet ip, Icmpv6Packet icmp) {
        stats.inc(Stat.ICMP6_IN_NEIGHBOR_SOLICITS);
        if (!validNdMessage(ip, icmp)) {
            return;
        }
        boolean fromUnspecified = Ipv6Address.isUnspecified(ip.srcHi(), ip.srcLo());
        long slla = linkLayerOption(icmp, NdOptions.SOURCE_LINK_LAYER_ADDRESS);
        if (slla == -2) {
            stats.drop(DropReason.ICMP6_ND_INVALID);
            return;
        }
        if (fromUnspecified && (slla != -1 || !isSolicitedNodeGroup(ip.dstHi(), ip.dstLo()))) {
            // A DAD probe goes to a solicited-node group and carries no source address option.
            stats.drop(DropReason.ICMP6_ND_INVALID);
            return;
        }
        Ipv6Addresses.Entry target = addresses.find(icmp.targetHi(), icmp.targetLo());
        if (target == null || target.state == Ipv6Addresses.State.DUPLICATE) {
            stats.drop(DropReason.ICMP6_UNHANDLED);
            return;
        }
        if (target.state == Ipv6Addresses.State.TENTATIVE) {
            // RFC 4862 section 5.4.3: another node probing the same address means a duplicate;
            // other solicitations for a tentative address are ignored.
            if (fromUnspecified) {
                dadFailed(target);
            }
            return;
        }
        if (fromUnspecified) {
            // RFC 4861 section 7.2.4: answer a DAD probe for our address to all-nodes, not solicited.
            sendAdvertisement(target.address, Ipv6Address.ALL_NODES.hi(), Ipv6Address.ALL_NODES.lo(), Icmpv6Packet.NA_OVERRIDE);
            return;
        }
        if (slla != -1 && !cache.learnFromSolicitation(ip.srcHi(), ip.srcLo(), slla)) {
            return;   // the table is full (counted): Linux does not answer either
        }
        sendAdvertisement(target.address, ip.srcHi(), ip.srcLo(), Icmpv6Packet.NA_SOLICITED | Icmpv6Packet.NA_OVERRIDE);
    }

    /** A neighbour advertisement (RFC 4861 section 7.1.2 validation, 7.2.5 processing; RFC 4862 section 5.4.4). */
    void advertisement(Ipv6Packet ip, Icmpv6Packet icmp) {
        stats.inc(Stat.ICMP6_IN_NEIGHBOR_ADVERTISEMENTS);
        if (!validNdMessage(ip, icmp)) {
            return;
        }
        boolean solicited = (icmp.rest() & Icmpv6Packet.NA_SOLICITED) != 0;
        if (solicited && Ipv6Address.isMulticast(ip.dstHi())) {
            stats.drop(DropReason.ICMP6_ND_INVALID);
            return;
        }
        long tlla = linkLayerOption(icmp, NdOptions.TARGET_LINK_LAYER_ADDRESS);
        if (tlla == -2) {
            stats.drop(DropReason.ICMP6_ND_INVALID);
            return;
        }
        Ipv6Addresses.Entry ours = addresses.find(icmp.targetHi(), icmp.targetLo());
        if (ours != null) {
            if (ours.state == Ipv6Addresses.State.TENTATIVE) {
                dadFailed(ours);
            } else {
                LOG.warn("IPv6 address {}: another node advertises it", ours.address);
            }
            return;
        }
        cache.advertisement(icmp.targetHi(), icmp.targetLo(), tlla, solicited, (icmp.rest() & Icmpv6Packet.NA_OVERRIDE) != 0);
    }

    /** The checks common to NS and NA: hop limit 255, code 0, at least 24 bytes, a unicast target. */
    private boolean validNdMessage(Ipv6Packet ip, Icmpv6Packet icmp) {
        if (ip.hopLimit() != ND_HOP_LIMIT || icmp.code() != 0 || icmp.length() < Icmpv6Packet.ND_OPTIONS
                || Ipv6Address.isMulticast(icmp.targetHi())) {
            stats.drop(DropReason.ICMP6_ND_INVALID);
            return false;
        }
        return true;
    }

    /** The MAC in the option of {@code type}, -1 when there is none, -2 when the options are malformed. */
    private long linkLayerOption(Icmpv6Packet icmp, int type) {
        options.start(icmp.buffer(), icmp.offset() + Icmpv6Packet.ND_OPTIONS, icmp.length() - Icmpv6Packet.ND_OPTIONS);
        long mac = -1;
        while (true) {
            int t = options.next();
            if (t == NdOptions.END) {
                return mac;
            }
            if (t == NdOptions.MALFORMED) {
                return -2;
            }
            if (t == type && options.optionLength() == NdOptions.ETHERNET_LLA_LENGTH) {
                mac = options.linkLayerAddress();
            }
        }
    }

    private static boolean isSolicitedNodeGroup(long hi, long lo) {
        return hi == 0xff02_0000_0000_0000L && (lo >>> 24) == 0x1_ffL;
    }

    /** The cache asks: multicast to the solicited-node group while INCOMPLETE, unicast in PROBE. */
    @Override
    public void solicit(long targetHi, long targetLo, long unicastMac) {
        Ipv6Address src = addresses.sourceFor(targetHi, targetLo);
        if (src == null) {
            return;   // no usable source yet (still tentative): nothing may be sent
        }
        if (unicastMac == -1) {
            sendSolicitation(src, 0xff02_0000_0000_0000L, 0x0000_0001_ff00_0000L | (targetLo & 0xFF_FFFFL), targetHi, targetLo, true);
        } else {
            sendSolicitation(src, targetHi, targetLo, targetHi, targetLo, true);
        }
    }

    private void sendSolicitation(Ipv6Address src, long dstHi, long dstLo, long targetHi, long targetLo, boolean withSource) {
        int length = Icmpv6Packet.ND_OPTIONS + (withSource ? NdOptions.ETHERNET_LLA_LENGTH : 0);
        ByteBuffer b = out.begin(src, dstHi, dstLo, Ipv6Packet.NH_ICMPV6, length);
        if (b == null) {
            return;
        }
        int at = out.payloadOffset();
        Icmpv6Packet m = msg.wrapForWrite(b, at, length);
        m.setType(Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION);
        m.setCode(0);
        m.setRest(0);
        Ipv6Address.write(b, at + Icmpv6Packet.ND_TARGET, targetHi, targetLo);
        if (withSource) {
            NdOptions.writeLinkLayerAddress(b, at + Icmpv6Packet.ND_OPTIONS, NdOptions.SOURCE_LINK_LAYER_ADDRESS, iface.mac());
        }
        m.fillChecksum(src.hi(), src.lo(), dstHi, dstLo);
        out.commit(0, 0, ND_HOP_LIMIT);
        stats.inc(Stat.ICMP6_OUT_NEIGHBOR_SOLICITS);
    }

    private void sendAdvertisement(Ipv6Address target, long dstHi, long dstLo, int flags) {
        int length = Icmpv6Packet.ND_OPTIONS + NdOptions.ETHERNET_LLA_LENGTH;
        ByteBuffer b = out.begin(target, dstHi, dstLo, Ipv6Packet.NH_ICMPV6, length);
        if (b == null) {
            return;
        }
        int at = out.payloadOffset();
        Icmpv6Packet m = msg.wrapForWrite(b, at, length);
        m.setType(Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT);
        m.setCode(0);
        m.setRest(flags);
        target.write(b, at + Icmpv6Packet.ND_TARGET);
        NdOptions.writeLinkLayerAddress(b, at + Icmpv6Packet.ND_OPTIONS, NdOptions.TARGET_LINK_LAYER_ADDRESS, iface.mac());
        m.fillChecksum(target.hi(), target.lo(), dstHi, dstLo);
        out.commit(0, 0, ND_HOP_LIMIT);
        stats.inc(Stat.ICMP6_OUT_NEIGHBOR_ADVERTISEMENTS);
    }

    /**
     * An MLDv2 report joining the solicited-node group of every address (RFC 3810 section 5.2):
     * one CHANGE_TO_EXCLUDE_MODE record with no sources per group, to ff02::16 with hop limit 1 and
     * a Router Alert, from the unspecified address while the link-local address is tentative
     * (section 5.2.13). All-nodes is never reported (section 6).
     */
    /**
     * An MLD query (RFC 3810 section 6.2): valid from a link-local source with hop limit 1
     * (section 5.1.14); a general query, or one for a group we joined, is answered with a
     * current-state report (MODE_IS_EXCLUDE records) after a delay drawn from [0, Maximum Response
     * Delay), unless an answer is already pending sooner.
     */
    void mldQuery(Ipv6Packet ip, Icmpv6Packet icmp) {
        if (ip.hopLimit() != 1 || !Ipv6Address.isLinkLocal(ip.srcHi()) || icmp.length() < Icmpv6Packet.MLD_QUERY_MIN_LENGTH) {
            stats.drop(DropReason.ICMP6_ND_INVALID);
            return;
        }
        ByteBuffer b = icmp.buffer();
        long groupHi = b.getLong(icmp.offset() + Icmpv6Packet.MLD_ADDRESS);
        long groupLo = b.getLong(icmp.offset() + Icmpv6Packet.MLD_ADDRESS + 8);
        boolean general = groupHi == 0 && groupLo == 0;
        if (!general && (!addresses.isJoinedGroup(groupHi, groupLo) || groupLo == Ipv6Address.ALL_NODES.lo())) {
            stats.drop(DropReason.ICMP6_UNHANDLED);
            return;
        }
        stats.inc(Stat.ICMP6_IN_MLD_QUERIES);
        // Section 5.1.3: codes below 32768 are milliseconds; above, a mantissa and exponent.
        int code = b.getShort(icmp.offset() + Icmpv6Packet.MLD_MAX_RESPONSE) & 0xFFFF;
        long maxDelayMs = code < 32768 ? code : (long) ((code & 0x0FFF) | 0x1000) << (((code >>> 12) & 7) + 3);
        long at = now + (maxDelayMs <= 0 ? 0 : random.nextLong(maxDelayMs * 1_000_000L));
        if (!mldTimer.isArmed() || mldTimer.deadline() > at) {
            timers.arm(mldTimer, at);
        }
    }

    private void sendMldReport(int recordType) {
        Ipv6Addresses.Entry[] all = addresses.all();
        int records = 0;
        for (int i = 0; i < all.length; i++) {
            if (!sharesGroupWithEarlier(all, i)) {
                records++;
            }
        }
        int length = Icmpv6Packet.MLD2_RECORDS + records * Icmpv6Packet.MLD2_RECORD_LENGTH;
        Ipv6Address src = addresses.linkLocal().state == Ipv6Addresses.State.PREFERRED ? addresses.linkLocal().address : Ipv6Address.ANY;
        Ipv6Address dst = Ipv6Address.ALL_MLDV2_ROUTERS;
        ByteBuffer b = out.begin(src.hi(), src.lo(), dst.hi(), dst.lo(), Ipv6Packet.NH_ICMPV6, length, true);
        if (b == null) {
            return;
        }
        int at = out.payloadOffset();
        Icmpv6Packet m = msg.wrapForWrite(b, at, length);
        m.setType(Icmpv6Packet.TYPE_MLD_REPORT_V2);
        m.setCode(0);
        m.setRest(records);
        int r = at + Icmpv6Packet.MLD2_RECORDS;
        for (int i = 0; i < all.length; i++) {
            if (sharesGroupWithEarlier(all, i)) {
                continue;
            }
            b.put(r, (byte) recordType);
            b.put(r + 1, (byte) 0);
            b.putShort(r + 2, (short) 0);
            all[i].address.solicitedNode().write(b, r + 4);
            r += Icmpv6Packet.MLD2_RECORD_LENGTH;
        }
        m.fillChecksum(src.hi(), src.lo(), dst.hi(), dst.lo());
        out.commit(0, 0, 1);
        stats.inc(Stat.ICMP6_OUT_MLD2_REPORTS);
    }

    private static boolean sharesGroupWithEarlier(Ipv6Addresses.Entry[] all, int i) {
        for (int j = 0; j < i; j++) {
            if ((all[j].address.lo() & 0xFF_FFFFL) == (all[i].address.lo() & 0xFF_FFFFL)) {
                return true;
            }
        }
        return false;
    }
}
