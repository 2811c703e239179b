package io.tapwire.link;

/**
 * What a {@link NetDevice} does for the stack on transmit, as a NIC's offload features do for
 * Linux ({@code ethtool -k}): complete partial transport checksums ({@code tx-checksumming}) and
 * cut TCP super-segments into wire-sized ones ({@code tcp-segmentation-offload}).
 *
 * <p>On receive, offload metadata arrives per frame in the {@link Descriptor}: a device without
 * receive offloads simply never sets it, so there is nothing to declare here for that direction.
 *
 * @param txChecksum the device completes {@link Descriptor#CSUM_PARTIAL} checksums
 * @param tcpSegmentation the device cuts {@link Descriptor#GSO_TCPV4} and {@link Descriptor#GSO_TCPV6}
 *     super-segments (TSO and TSO6; needs {@code txChecksum})
 * @param maxDatagram the largest IP datagram a super-segment may be, header included (at most 65,535)
 */
public record LinkOffloads(boolean txChecksum, boolean tcpSegmentation, int maxDatagram) {
    /** A plain device: every frame is wire-sized and carries complete checksums. */
    public static final LinkOffloads NONE = new LinkOffloads(false, false, 0);

    public LinkOffloads {
        if (tcpSegmentation && !txChecksum) {
            throw new IllegalArgumentException("TCP segmentation offload needs checksum offload (each cut segment needs its own checksum)");
        }
        if (tcpSegmentation && (maxDatagram < 1280 || maxDatagram > 65535)) {
            throw new IllegalArgumentException("a super-segment must be allowed 1280..65535 bytes, got " + maxDatagram);
        }
    }
}
