package io.tapwire.tcp;

/** The eleven connection states of RFC 9293 section 3.3.2, named as the RFC names them. */
public enum TcpState {
    CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT;

    /** True once the connection is synchronized (RFC 9293: every state after SYN_RECEIVED). */
    public boolean isSynchronized() {
        return ordinal() >= ESTABLISHED.ordinal();
    }

    /** True in states where the peer may still send us data. */
    public boolean canReceive() {
        return this == ESTABLISHED || this == FIN_WAIT_1 || this == FIN_WAIT_2;
    }

    /** True in states where we may still send data (our FIN not yet queued by state). */
    public boolean canSend() {
        return this == ESTABLISHED || this == CLOSE_WAIT;
    }
}
