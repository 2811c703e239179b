package io.tapwire.wire;

/**
 * Why a flyweight refused to wrap a buffer. Returned (never thrown) by the {@code wrap} methods, so
 * the receive path can count a drop by reason without allocating an exception.
 */
public enum WireError {
    /** The region is shorter than the fixed header, or the region the caller claims runs past the buffer. */
    TRUNCATED,
    /** A version field that this layer does not speak (IPv4: not 4). */
    BAD_VERSION,
    /** A header-length field smaller than the minimum or larger than the buffer. */
    BAD_HEADER_LENGTH,
    /** A total/payload length field that disagrees with the buffer. */
    BAD_LENGTH,
    /** An option whose length byte is malformed or runs past the header. */
    BAD_OPTION,
    /** A well-formed header for a variant this stack does not handle (e.g. ARP for a non-IPv4 protocol). */
    UNSUPPORTED
}
