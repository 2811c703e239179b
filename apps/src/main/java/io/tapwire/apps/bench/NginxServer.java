package io.tapwire.apps.bench;

import io.tapwire.apps.Tools;
import io.tapwire.tap.Netns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * nginx with one worker as the Linux column of the HTTP benchmark: it serves {@code /bytes/N}
 * from files holding the same bodies tapwire's HTTP service sends (byte {@code i} is
 * {@code i mod 256}), bound to the stack address in the veth peer namespace. The configuration
 * is the usual one for a request-rate benchmark: no access log, {@code sendfile}, keep-alive
 * without a request limit (nginx closes a keep-alive connection after 1,000 requests by
 * default; tapwire's service does not), a listen backlog of 4,096. Everything lives in a
 * temporary directory deleted by {@link #close()}.
 */
final class NginxServer implements AutoCloseable {
    private final Path dir;
    private final NsProcess process;

    private NginxServer(Path dir, NsProcess process) {
        this.dir = dir;
        this.process = process;
    }

    /** Why nginx cannot run here, or empty. */
    static Optional<String> unavailable() {
        return Tools.find("nginx").isPresent() ? Optional.empty()
                : Optional.of("nginx not found: the HTTP benchmark's Linux column is nginx with one worker;"
                        + " install it with apt-get install nginx-light (scripts/install-deps.sh does)");
    }

    /**
     * Starts nginx in {@code ns} on {@code address}:80 serving {@code /bytes/N} for each N of
     * {@code sizes}, and waits until {@code client} gets a 200 from it.
     */
    static NginxServer start(Netns ns, String address, Netns client, List<Long> sizes) {
        Path nginx = Tools.find("nginx").orElseThrow(() -> new IllegalStateException(unavailable().orElse("nginx not found")));
        Path dir;
        try {
            dir = Files.createTempDirectory("tapwire-nginx-");
            Path bytes = Files.createDirectories(dir.resolve("root/bytes"));
            byte[] block = new byte[1 << 16]; // 65,536 bytes: a whole number of 256-byte periods
            for (int i = 0; i < block.length; i++) {
                block[i] = (byte) i;
            }
            for (long n : sizes) {
                try (java.io.OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(bytes.resolve(Long.toString(n))), 1 << 20)) {
                    for (long left = n; left > 0; left -= block.length) {
                        out.write(block, 0, (int) Math.min(left, block.length));
                    }
                }
            }
            Files.writeString(dir.resolve("nginx.conf"), config(dir, address));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write nginx's configuration", e);
        }
        NsProcess p = NsProcess.start(ns, "nginx", List.of(nginx.toString(), "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString()));
        NginxServer server = new NginxServer(dir, p);
        try {
            String url = "http://" + address + "/bytes/" + sizes.get(0);
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (true) {
                Netns.Result r = client.exec(Duration.ofSeconds(5), "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url);
                if (r.stdout().strip().equals("200")) {
                    return server;
                }
                if (!p.alive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("nginx did not answer " + url + " (curl: " + r.stdout().strip() + "): " + p.tail());
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
            throw new IllegalStateException("interrupted starting nginx", e);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    static String config(Path dir, String address) {
        return String.join("\n",
                "daemon off;",
                "master_process off;",
                "worker_processes 1;",
                "pid " + dir.resolve("nginx.pid") + ";",
                "error_log stderr warn;",
                "events { worker_connections 8192; use epoll; }",
                "http {",
                "  access_log off;",
                "  sendfile on;",
                "  tcp_nopush on;",
                "  keepalive_requests 100000000;",
                "  keepalive_timeout 75s;",
                "  client_body_temp_path " + dir.resolve("tmp") + ";",
                "  default_type application/octet-stream;",
                "  server {",
                "    listen " + address + ":80 backlog=4096;",
                "    root " + dir.resolve("root") + ";",
                "  }",
                "}",
                "");
    }

    /** The command line and settings, for the printed method. */
    static String description() {
        return "nginx " + "(one worker, master_process off, access_log off, sendfile on, keepalive_requests unlimited, backlog 4096)";
    }

    @Override
    public void close() {
        process.close();
        CServers.deleteTree(dir);
    }
}
