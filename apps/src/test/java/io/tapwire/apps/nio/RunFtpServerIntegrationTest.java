package io.tapwire.apps.nio;

import io.tapwire.apps.Requirements;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Java server the issue did not name, with a protocol that opens connections both ways: Apache
 * FtpServer 1.2 on Apache MINA 2 (NIO), unmodified, under {@code tapwire run}, and curl as the FTP
 * client on the Linux side. Passive mode (EPSV, and PASV, whose reply carries the address the
 * server reads from its accepted control connection: it must be the stack's) has the stack accept
 * the data connection on a second listener; active mode (EPRT and PORT) has the server connect
 * from the stack to curl's listener. Downloads and an upload of 1 MB, a directory listing, and
 * EPSV and EPRT over IPv6; the Linux kernel listens on none of the ports.
 */
class RunFtpServerIntegrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String PASSIVE_PORTS = "30000-30009";

    @Test
    void apacheFtpServerOnMinaServesCurlInPassiveAndActiveModeOverIpv4AndIpv6() throws IOException {
        Requirements.sandboxWith("curl", "nc", "sha256sum", "ss");
        Path home = Files.createTempDirectory("tapwire-ftp-");
        RunSandbox sb = null;
        try {
            byte[] big = new byte[1_000_000];
            new Random(21).nextBytes(big);
            Files.write(home.resolve("big.bin"), big);
            Files.writeString(home.resolve("hello.txt"), "hello\n");
            Path upload = home.resolve("upload-source.bin");
            byte[] up = new byte[1_000_000];
            new Random(22).nextBytes(up);
            Files.write(upload, up);
            sb = RunSandbox.start(RunFtpServerIntegrationTest.class.getPackageName() + ".FtpServerMain",
                    "2121", home.toString(), PASSIVE_PORTS);
            sb.awaitListening(2121);
            sb.awaitOutput("FtpServerMain listening on port 2121");
            String url = "ftp://" + RunSandbox.STACK + ":2121/";
            String bigSha = sha256(big);

            // Passive, EPSV (curl's default): the stack accepts the data connection on a passive port.
            Netns.Result hello = curl(sb, url + "hello.txt");
            assertEquals("hello\n", hello.stdout(), "EPSV download: " + hello.stderr() + sb.output());

            // Passive, PASV: the reply names the address the server took from its control
            // connection's local address, on tapwire the stack's; curl connects to it.
            Netns.Result pasv = sb.shell(TIMEOUT, curlCommand("--disable-epsv", url + "big.bin") + " | sha256sum");
            assertEquals(bigSha + "  -", pasv.stdout().strip(), "PASV download of 1 MB: " + pasv.stderr() + sb.output());
            assertTrue(sb.output().contains("227 Entering Passive Mode (10,0,0,2,"),
                    "the PASV reply must carry the stack's address:\n" + sb.output());

            // Active, EPRT and PORT: the server connects from the stack to curl's listener.
            for (String mode : new String[] {"", "--disable-eprt"}) {
                Netns.Result active = sb.shell(TIMEOUT, curlCommand(mode + " -P " + RunSandbox.HOST, url + "big.bin") + " | sha256sum");
                assertEquals(bigSha + "  -", active.stdout().strip(), "active download " + mode + ": " + active.stderr() + sb.output());
            }
            assertTrue(sb.output().contains("RECEIVED: EPRT |1|" + RunSandbox.HOST + "|"), "curl used EPRT:\n" + sb.output());
            assertTrue(sb.output().contains("RECEIVED: PORT 10,0,0,1,"), "curl used PORT:\n" + sb.output());

            // Upload (STOR) over a passive data connection: the file on disk is what curl sent.
            Netns.Result stor = sb.exec(TIMEOUT, "curl", "-sS", "--max-time", "30", "-u", "tap:wire", "-T", upload.toString(), url + "up.bin");
            assertTrue(stor.ok(), "upload: " + stor.stderr() + sb.output());
            assertArrayEquals(up, Files.readAllBytes(home.resolve("up.bin")), "the 1 MB upload as stored by the server");

            Netns.Result list = curl(sb, url);
            assertTrue(list.stdout().contains("big.bin") && list.stdout().contains("hello.txt") && list.stdout().contains("up.bin"),
                    "LIST: " + list.stdout() + list.stderr() + sb.output());

            Netns.Result ss = sb.exec(TIMEOUT, "ss", "-ltn");
            assertFalse(ss.stdout().contains(":2121") || ss.stdout().contains(":3000"), "the Linux kernel must not be the one listening:\n" + ss.stdout());

            // IPv6: EPSV (passive) and EPRT (active, the server connects to [fd00::1]).
            sb.awaitListening6(2121);
            String url6 = "ftp://[" + RunSandbox.STACK6 + "]:2121/hello.txt";
            Netns.Result v6 = sb.exec(TIMEOUT, "curl", "-sS", "-g", "--max-time", "30", "-u", "tap:wire", url6);
            assertEquals("hello\n", v6.stdout(), "EPSV over IPv6: " + v6.stderr() + sb.output());
            Netns.Result v6active = sb.exec(TIMEOUT, "curl", "-sS", "-g", "--max-time", "30", "-u", "tap:wire", "-P", RunSandbox.HOST6, url6);
            assertEquals("hello\n", v6active.stdout(), "EPRT over IPv6: " + v6active.stderr() + sb.output());
            assertTrue(sb.output().contains("RECEIVED: EPRT |2|" + RunSandbox.HOST6 + "|"), "curl used EPRT over IPv6:\n" + sb.output());
        } finally {
            RunSandbox.closeAndDelete(sb, home);
        }
    }

    private static Netns.Result curl(RunSandbox sb, String url) {
        return sb.exec(TIMEOUT, "curl", "-sS", "--max-time", "30", "-u", "tap:wire", url);
    }

    private static String curlCommand(String options, String url) {
        return "curl -sS --max-time 30 -u tap:wire " + options + " '" + url + "'";
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
