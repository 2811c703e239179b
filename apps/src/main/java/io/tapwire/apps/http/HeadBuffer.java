package io.tapwire.apps.http;

import java.util.Arrays;

/**
 * The bytes of a response head, appended as text: a reusable buffer, so writing a head allocates
 * nothing once the buffer has grown to the largest head. Characters are stored as ISO-8859-1
 * (RFC 9110 section 5.5: field values are octets; ours are all ASCII).
 */
final class HeadBuffer {
    private byte[] bytes = new byte[256];
    private int length;

    void clear() {
        length = 0;
    }

    HeadBuffer append(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            bytes[length++] = (byte) (c <= 0xff ? c : '?');
        }
        return this;
    }

    HeadBuffer append(char c) {
        ensure(1);
        bytes[length++] = (byte) c;
        return this;
    }

    /** Appends {@code v} in decimal, without a String. */
    HeadBuffer append(long v) {
        if (v < 0) {
            append('-');
            if (v == Long.MIN_VALUE) {
                return append("9223372036854775808");
            }
            v = -v;
        }
        int digits = StreamBody.digits(v);
        ensure(digits);
        for (int i = length + digits - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        length += digits;
        return this;
    }

    HeadBuffer crlf() {
        ensure(2);
        bytes[length++] = '\r';
        bytes[length++] = '\n';
        return this;
    }

    /** The buffer; the head is its first {@link #length()} bytes. */
    byte[] bytes() {
        return bytes;
    }

    int length() {
        return length;
    }

    private void ensure(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, length + more));
        }
    }
}
