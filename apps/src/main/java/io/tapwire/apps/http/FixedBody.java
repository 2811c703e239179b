package io.tapwire.apps.http;

import java.io.IOException;

/** A body known in advance, such as the index page or an error text. */
final class FixedBody implements ResponseBody {
    private final byte[] content;
    private int position;

    FixedBody(byte[] content) {
        this.content = content;
    }

    @Override
    public boolean writeTo(ByteSink sink, byte[] scratch) throws IOException {
        while (position < content.length) {
            int k = content.length - position;
            int n = sink.write(content, position, k);
            position += n;
            if (n < k) {
                return false;
            }
        }
        return true;
    }
}
