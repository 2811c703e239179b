package io.tapwire.tap;

/**
 * Counters of one {@link TapDevice}, named after the fields of Linux {@code rtnl_link_stats64}
 * (what {@code ip -s link} prints) but seen from the stack: RX is what the TAP delivered to the
 * stack, TX is what the stack handed to the TAP.
 *
 * @param rxFrames frames read from the TAP and published on the RX ring
 * @param rxBytes bytes of those frames
 * @param rxErrors reads that failed with an unexpected errno (the frame is lost)
 * @param rxLengthErrors frames longer than an RX buffer; dropped whole, never delivered truncated
 * @param txFrames frames written to the TAP
 * @param txBytes bytes of those frames
 * @param txErrors writes the kernel refused (e.g. EIO while the interface is down, EINVAL for a
 *     frame shorter than an Ethernet header); the frame is consumed and lost
 * @param rxOffloadErrors frames dropped for a malformed or unexpected virtio-net header (offloads
 *     on only: unknown flags or GSO type, gso_size 0, checksum offsets outside the frame, hdr_len
 *     past its end)
 * @param rxSuperFrames received super-frames (GSO, up to 64 KB) among {@code rxFrames}
 * @param txSuperFrames sent super-segments among {@code txFrames}, cut by the kernel
 * @param txGatheredFrames frames among {@code txFrames} whose payload the kernel copied straight
 *     from a TCP send ring (scatter-gather, {@link io.tapwire.link.LinkOffloads#txGather()})
 */
public record TapStats(
        long rxFrames,
        long rxBytes,
        long rxErrors,
        long rxLengthErrors,
        long txFrames,
        long txBytes,
        long txErrors,
        long rxOffloadErrors,
        long rxSuperFrames,
        long txSuperFrames,
        long txGatheredFrames) {
}
