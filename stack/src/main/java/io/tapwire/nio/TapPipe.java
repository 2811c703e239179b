package io.tapwire.nio;

import io.tapwire.event.Events;
import io.tapwire.socket.Pollable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.spi.SelectorProvider;
import java.util.Objects;

/**
 * A {@link Pipe} of tapwire's provider: an in-memory {@link PipeBuffer} between a source and a
 * sink channel, selectable with tapwire's selectors (a pipe of the JDK's provider could not be
 * registered with them). Blocking and non-blocking, scatter/gather, EOF and EPIPE as a Linux pipe.
 */
final class TapPipe extends Pipe {
    private final Source source;
    private final Sink sink;

    TapPipe(SelectorProvider provider) {
        PipeBuffer buffer = new PipeBuffer();
        source = new Source(provider, buffer);
        sink = new Sink(provider, buffer);
        buffer.onChange(() -> {
            source.keys.localChanged();
            sink.keys.localChanged();
        });
    }

    @Override
    public SourceChannel source() {
        return source;
    }

    @Override
    public SinkChannel sink() {
        return sink;
    }

    /** A pipe operation, blocking or not. */
    private interface Op {
        long run(boolean block) throws IOException;
    }

    static final class Source extends Pipe.SourceChannel implements TapSelectable {
        private final PipeBuffer buffer;
        final Keys keys = new Keys();

        Source(SelectorProvider provider, PipeBuffer buffer) {
            super(provider);
            this.buffer = buffer;
        }

        @Override
        public Pollable pollable() {
            return null;
        }

        @Override
        public Keys selectionKeys() {
            return keys;
        }

        @Override
        public int localReadiness() {
            return buffer.sourceReadiness();
        }

        @Override
        public int readyOps(int events, int interestOps) {
            return (events & Events.IN) != 0 ? interestOps & SelectionKey.OP_READ : 0;
        }

        @Override
        public synchronized int read(ByteBuffer dst) throws IOException {
            Objects.requireNonNull(dst);
            return (int) io(block -> buffer.read(dst, block));
        }

        @Override
        public synchronized long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, dsts.length);
            return io(block -> {
                long total = 0;
                for (int i = offset; i < offset + length; i++) {
                    if (!dsts[i].hasRemaining()) {
                        continue;
                    }
                    int n = buffer.read(dsts[i], block && total == 0);
                    if (n < 0) {
                        return total == 0 ? -1 : total;
                    }
                    total += n;
                    if (dsts[i].hasRemaining()) {
                        break;
                    }
                }
                return total;
            });
        }

        @Override
        public long read(ByteBuffer[] dsts) throws IOException {
            return read(dsts, 0, dsts.length);
        }

        /** Runs {@code op} with the channel's close and interrupt handling (begin/end when blocking). */
        private long io(Op op) throws IOException {
            if (!isOpen()) {
                throw new ClosedChannelException();
            }
            boolean block = isBlocking();
            long n = 0;
            try {
                if (block) {
                    begin();
                }
                n = op.run(block);
                return n;
            } catch (java.io.InterruptedIOException | java.nio.channels.AsynchronousCloseException e) {
                if (!block) {
                    throw e;
                }
                // Closed or interrupted meanwhile: end() throws the exception the JDK's would.
                return 0;
            } finally {
                if (block) {
                    end(n != 0);
                    NioErrors.interruptedWhileBlocked(this);
                }
            }
        }

        @Override
        protected void implCloseSelectableChannel() {
            buffer.closeSource();
        }

        @Override
        protected void implConfigureBlocking(boolean block) {
            // Each read asks isBlocking().
        }
    }

    static final class Sink extends Pipe.SinkChannel implements TapSelectable {
        private final PipeBuffer buffer;
        final Keys keys = new Keys();

        Sink(SelectorProvider provider, PipeBuffer buffer) {
            super(provider);
            this.buffer = buffer;
        }

        @Override
        public Pollable pollable() {
            return null;
        }

        @Override
        public Keys selectionKeys() {
            return keys;
        }

        @Override
        public int localReadiness() {
            return buffer.sinkReadiness();
        }

        @Override
        public int readyOps(int events, int interestOps) {
            if ((events & Events.ERR) != 0) {
                return interestOps;
            }
            return (events & Events.OUT) != 0 ? interestOps & SelectionKey.OP_WRITE : 0;
        }

        @Override
        public synchronized int write(ByteBuffer src) throws IOException {
            Objects.requireNonNull(src);
            return (int) io(block -> buffer.write(src, block));
        }

        @Override
        public synchronized long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, srcs.length);
            return io(block -> {
                long total = 0;
                for (int i = offset; i < offset + length; i++) {
                    if (!srcs[i].hasRemaining()) {
                        continue;
                    }
                    total += buffer.write(srcs[i], block);
                    if (srcs[i].hasRemaining()) {
                        break;
                    }
                }
                return total;
            });
        }

        @Override
        public long write(ByteBuffer[] srcs) throws IOException {
            return write(srcs, 0, srcs.length);
        }

        /** Runs {@code op} with the channel's close and interrupt handling (begin/end when blocking). */
        private long io(Op op) throws IOException {
            if (!isOpen()) {
                throw new ClosedChannelException();
            }
            boolean block = isBlocking();
            long n = 0;
            try {
                if (block) {
                    begin();
                }
                n = op.run(block);
                return n;
            } catch (java.io.InterruptedIOException | java.nio.channels.AsynchronousCloseException e) {
                if (!block) {
                    throw e;
                }
                // Closed or interrupted meanwhile: end() throws the exception the JDK's would.
                return 0;
            } finally {
                if (block) {
                    end(n != 0);
                    NioErrors.interruptedWhileBlocked(this);
                }
            }
        }

        @Override
        protected void implCloseSelectableChannel() {
            buffer.closeSink();
        }

        @Override
        protected void implConfigureBlocking(boolean block) {
            // Each write asks isBlocking().
        }
    }
}
