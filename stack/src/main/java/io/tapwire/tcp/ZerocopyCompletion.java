package io.tapwire.tcp;

/**
 * One MSG_ZEROCOPY completion read from a socket's error queue (Linux's {@code sock_extended_err}
 * with {@code ee_origin = SO_EE_ORIGIN_ZEROCOPY}): the sends with ids {@code lo} ({@code ee_info})
 * to {@code hi} ({@code ee_data}), 32-bit and wrapping, are acknowledged and their buffers free;
 * {@code copied} is {@code SO_EE_CODE_ZEROCOPY_COPIED} (always true in tapwire, see
 * {@link ZerocopyNotifications}).
 */
public record ZerocopyCompletion(int lo, int hi, boolean copied) implements ErrorQueueMessage {
}
