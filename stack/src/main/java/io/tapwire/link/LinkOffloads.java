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
 * @param txGather the device sends frames whose payload stays outside the descriptor
 *     ({@link Descriptor#attachPayload}), gathering the pieces as a NIC's scatter-gather DMA does
 *     ({@code ethtool -k}'s {@code scatter-gather}): TCP then transmits straight from the send
 *     ring, without copying the payload into the frame
 */
public record LinkOffloads(boolean txChecksum, boolean tcpSegmentation, int maxDatagram, boolean txGather) {
    /** A plain device: every frame is wire-sized and carries complete checksums. */
    public static final LinkOffloads NONE = new LinkOffloads(false, false, 0);

    /** Offloads without scatter-gather. */
    public LinkOffloads(boolean txChecksum, boolean tcpSegmentation, int maxDatagram) {
        this(txChecksum, tcpSegmentation, maxDatagram, false);
    }

    /** The same offloads with {@link #txGather()} set to {@code on}. */
    public LinkOffloads withGather(boolean on) {
        return new LinkOffloads(txChecksum, tcpSegmentation, maxDatagram, on);
    }

    public LinkOffloads {
        if (tcpSegmentation && !txChecksum) {
            throw new IllegalArgumentException("TCP segmentation offload needs checksum offload (each cut segment needs its own checksum)");
        }
        if (tcpSegmentation && (maxDatagram < 1280 || maxDatagram > 65535)) {
            throw new IllegalArgumentException("a super-segment must be allowed 1280..65535 bytes, got " + maxDatagram);
        }
    }
}
