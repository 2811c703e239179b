package io.tapwire.apps.http;

import io.tapwire.pcap.replay.PcapFile;
import io.tapwire.pcap.replay.TimedFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes the seeds of {@link HttpRequestParserFuzzTest}: the bytes each client sent to port 80 in
 * the recorded HTTP pcap scenarios (the TCP payloads in order), plus a few requests that reach the
 * limits and the refusals. A tool, not a test: it runs only with
 * {@code -Dtapwire.fuzz.writeSeeds=true}:
 *
 * <pre>mvn -o -pl apps -am test -Dtest=HttpFuzzSeedWriter -Dsurefire.failIfNoSpecifiedTests=false -Dtapwire.fuzz.writeSeeds=true</pre>
 */
class HttpFuzzSeedWriter {
    private static final Path SCENARIOS = Path.of("../pcap-tests/src/test/resources/scenarios");
    private static final Path INPUTS = Path.of(
            "src/test/resources/io/tapwire/apps/http/HttpRequestParserFuzzTestInputs/requestHeadsParseTheSameHoweverTheyAreSplit");

    @Test
    @EnabledIfSystemProperty(named = "tapwire.fuzz.writeSeeds", matches = "true")
    void writeSeeds() throws IOException {
        Files.createDirectories(INPUTS);
        try (Stream<Path> dirs = Files.list(SCENARIOS)) {
            for (Path d : dirs.sorted().toList()) {
                if (!d.getFileName().toString().startsWith("http-")) {
                    continue;
                }
                byte[] sent = bytesToPort80(PcapFile.read(d.resolve("input.pcap")));
                if (sent.length > 0) {
                    write("pcap-" + d.getFileName(), 0, 0, sent);
                }
            }
        }
        write("chunked-request", 7, 0, text("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"));
        write("content-length-list", 3, 0, text("PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello"
                + "GET /?q HTTP/1.0\r\n\r\n"));
        write("long-field-repeated", 1, 15, text("X-Long: " + "a".repeat(3000) + "\r\n"));
        write("absolute-form", 200, 0, text("GET http://host:80/a/b?c=d HTTP/1.1\r\nHost: host:80\r\n\r\n"));
        write("leading-empty-lines", 11, 0, text("\r\n\n\r\nOPTIONS * HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"));
    }

    /** The TCP payloads of the frames to port 80, in capture order (each client's requests, retransmissions aside). */
    private static byte[] bytesToPort80(List<TimedFrame> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (TimedFrame f : frames) {
            ByteBuffer b = ByteBuffer.wrap(f.bytes());
            if (f.bytes().length < 54 || b.getShort(12) != 0x0800 || (b.get(23) & 0xFF) != 6) {
                continue;
            }
            int ihl = (b.get(14) & 0x0F) * 4;
            int total = b.getShort(16) & 0xFFFF;
            int tcp = 14 + ihl;
            if ((b.getShort(tcp + 2) & 0xFFFF) != 80) {
                continue;
            }
            int payload = tcp + ((b.get(tcp + 12) & 0xF0) >>> 4) * 4;
            out.write(f.bytes(), payload, 14 + total - payload);
        }
        return out.toByteArray();
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A seed: the read-size byte, the repeat byte (repeat - 1), the bytes. */
    private static void write(String name, int readSeed, int repeatMinusOne, byte[] bytes) throws IOException {
        byte[] seed = new byte[bytes.length + 2];
        seed[0] = (byte) readSeed;
        seed[1] = (byte) repeatMinusOne;
        System.arraycopy(bytes, 0, seed, 2, bytes.length);
        Files.write(INPUTS.resolve(name), seed);
    }
}
