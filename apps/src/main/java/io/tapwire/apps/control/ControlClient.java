package io.tapwire.apps.control;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Asks a running {@code tapwire up} over its control socket (see {@link ControlServer}). */
public final class ControlClient {
    private ControlClient() {
    }

    /**
     * Sends {@code request} and returns the answer's lines.
     *
     * @throws IOException when nothing listens at {@code path}, with what to do
     */
    public static List<String> ask(Path path, String request) throws IOException {
        if (!Files.exists(path)) {
            throw new IOException("no control socket at " + path + ": is 'tapwire up' running? (give --control PATH or --tap NAME)");
        }
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            ByteBuffer req = ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
            while (req.hasRemaining()) {
                ch.write(req);
            }
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(65536);
            while (ch.read(buf) >= 0) {
                all.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            List<String> lines = new ArrayList<>();
            for (String l : all.toString(StandardCharsets.UTF_8).split("\n")) {
                if (!l.isEmpty()) {
                    lines.add(l);
                }
            }
            if (!lines.isEmpty() && lines.get(0).startsWith("error ")) {
                throw new IOException("tapwire up answered: " + lines.get(0).substring(6));
            }
            return lines;
        } catch (java.net.ConnectException e) {
            throw new IOException("nothing answers at " + path + " (a stale socket of a tapwire that is gone?)", e);
        }
    }
}
