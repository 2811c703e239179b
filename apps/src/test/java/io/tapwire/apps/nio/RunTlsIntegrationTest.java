package io.tapwire.apps.nio;

import io.tapwire.apps.Requirements;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * TLS through tapwire, by the JDK's own code with nothing of tapwire in the programs, under
 * {@code tapwire run}: the JDK's {@code HttpsServer} ({@link TlsServerMain}: SSLEngine over NIO
 * channels) serving {@code curl}, which checks the server's certificate, over IPv4 and IPv6; and
 * {@code HttpsURLConnection} (an SSLSocket over a classic socket from the installed
 * SocketImplFactory) and {@code java.net.http.HttpClient} ({@link TlsClientMain}) fetching from a
 * Python TLS server on the Linux side, whose log must show the stack's address.
 */
class RunTlsIntegrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String PASSWORD = "changeit";
    private RunSandbox sb;
    private Path dir;

    @AfterEach
    void stop() throws IOException {
        RunSandbox.closeAndDelete(sb, dir);
    }

    /** Runs a local command (not in the sandbox: key generation), failing the test if it fails. */
    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail(String.join(" ", cmd) + " failed:\n" + out);
        }
    }

    private Netns.Result curl(String args) {
        return sb.shell(TIMEOUT, "curl -sS -g --cacert " + dir.resolve("server.pem") + " " + args);
    }

    @Test
    void jdkHttpsServerServesCurlWithACheckedCertificate() throws Exception {
        Requirements.sandboxWith("curl", "sha256sum", "head", "ss");
        dir = Files.createTempDirectory("tapwire-tls");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Path ks = dir.resolve("server.p12");
        run(keytool, "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1", "-alias", "tapwire",
                "-dname", "CN=" + RunSandbox.STACK, "-ext", "san=ip:" + RunSandbox.STACK + ",ip:" + RunSandbox.STACK6,
                "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
        run(keytool, "-exportcert", "-rfc", "-alias", "tapwire", "-keystore", ks.toString(), "-storepass", PASSWORD,
                "-file", dir.resolve("server.pem").toString());
        sb = RunSandbox.start(TlsServerMain.class.getName(), "8443", ks.toString(), PASSWORD);
        sb.awaitListening(8443);
        assertFalse(sb.exec(TIMEOUT, "ss", "-ltn").stdout().contains(":8443"), "the Linux kernel must not be the one listening");
        Netns.Result hello = curl("https://" + RunSandbox.STACK + ":8443/");
        assertEquals("hello tls\n", hello.stdout(), hello.stderr() + sb.output());
        Netns.Result big = curl("https://" + RunSandbox.STACK + ":8443/bytes/300000 | sha256sum");
        assertEquals(Bodies.sha256(300_000) + "  -", big.stdout().strip(), big.stderr() + sb.output());
        Netns.Result upload = sb.shell(TIMEOUT, "f=$(mktemp); head -c 1000000 /dev/urandom > $f; a=$(sha256sum < $f); "
                + "b=$(curl -sS --cacert " + dir.resolve("server.pem") + " --data-binary @$f https://" + RunSandbox.STACK
                + ":8443/echo | sha256sum); rm -f $f; [ \"$a\" = \"$b\" ] && echo same || echo \"differ: $a / $b\"");
        assertEquals("same", upload.stdout().strip(), upload.stderr() + sb.output());
        sb.awaitListening6(8443);
        Netns.Result six = curl("https://[" + RunSandbox.STACK6 + "]:8443/");
        assertEquals("hello tls\n", six.stdout(), six.stderr() + sb.output());
    }

    @Test
    void jdkTlsClientsFetchFromALinuxTlsServer() throws Exception {
        Requirements.sandboxWith("python3", "openssl", "curl");
        dir = Files.createTempDirectory("tapwire-tls");
        Path www = Files.createDirectory(dir.resolve("www"));
        byte[] small = "hello over tls\n".getBytes();
        Files.write(www.resolve("small.txt"), small);
        Files.write(www.resolve("big.bin"), Bodies.body(700_000));
        Path cert = dir.resolve("server.pem");
        Path key = dir.resolve("server.key");
        run(Requirements.tool("openssl").toString(), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=" + RunSandbox.HOST,
                "-addext", "subjectAltName=IP:" + RunSandbox.HOST);
        Path script = dir.resolve("server.py");
        Files.writeString(script, String.join("\n",
                "import http.server, ssl, sys, os",
                "os.chdir(sys.argv[1])",
                "s = http.server.ThreadingHTTPServer((sys.argv[2], 8443), http.server.SimpleHTTPRequestHandler)",
                "c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)",
                "c.load_cert_chain(sys.argv[3], sys.argv[4])",
                "s.socket = c.wrap_socket(s.socket, server_side=True)",
                "s.serve_forever()", ""));
        Path log = dir.resolve("server.log");
        sb = RunSandbox.withTap();
        // The server logs each request with the client's address: tapwire's is 10.0.0.2, while a
        // kernel socket of the namespace would come from 10.0.0.1, its own address.
        sb.netns.spawn("sh", "-c", "exec python3 -u " + script + " " + www + " " + RunSandbox.HOST + " " + cert + " " + key + " 2> " + log);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!sb.exec(Duration.ofSeconds(5), "curl", "-sf", "--cacert", cert.toString(), "-o", "/dev/null",
                "https://" + RunSandbox.HOST + ":8443/small.txt").ok()) {
            if (System.nanoTime() > end) {
                fail("gave up waiting: the Python TLS server did not come up");
            }
            Thread.sleep(50);
        }
        String base = "https://" + RunSandbox.HOST + ":8443/";
        sb.launch(TlsClientMain.class.getName(), cert.toString(), base + "small.txt", base + "big.bin");
        int exit = sb.awaitExit(TIMEOUT);
        String out = sb.output();
        assertEquals(0, exit, out);
        String smallSha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(small));
        List<String> results = out.lines().filter(l -> l.startsWith("URLCONNECTION ") || l.startsWith("HTTPCLIENT ")).toList();
        assertEquals(List.of(
                "URLCONNECTION 200 " + small.length + " " + smallSha,
                "HTTPCLIENT 200 " + small.length + " " + smallSha,
                "URLCONNECTION 200 700000 " + Bodies.sha256(700_000),
                "HTTPCLIENT 200 700000 " + Bodies.sha256(700_000)), results, out);
        List<String> fromStack = Files.readAllLines(log).stream().filter(l -> l.contains("\"GET /")).filter(l -> l.startsWith(RunSandbox.STACK + " ")).toList();
        assertEquals(4, fromStack.size(), "requests logged from the stack's address:\n" + String.join("\n", Files.readAllLines(log)));
    }
}
