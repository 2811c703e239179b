package io.tapwire.tcp;

/**
 * One message of a TCP socket's error queue, read with {@code recvmsg(MSG_ERRQUEUE)} in Linux: a
 * MSG_ZEROCOPY completion ({@link ZerocopyCompletion}) or a transmit timestamp
 * ({@link TxTimestamp}, SO_TIMESTAMPING). Linux keeps both kinds on one queue
 * ({@code sk_error_queue}), read oldest first.
 */
public sealed interface ErrorQueueMessage permits ZerocopyCompletion, TxTimestamp {
}
