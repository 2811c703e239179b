package io.tapwire.apps.soak;

import io.tapwire.apps.PingOutput;
import io.tapwire.apps.Sandbox;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Linux side of a soak: shell loops inside the sandbox's namespace, each writing a log in the
 * soak's directory, all ending by themselves at the same wall-clock second (and killed with the
 * namespace if the soak stops early):
 * <ul>
 *   <li><b>HTTP keep-alive:</b> {@code ab -k -c 4 -n 3000} against {@code /bytes/1024}, again
 *       every 2 s;</li>
 *   <li><b>HTTP new connections:</b> one curl fetching {@code /bytes/512?1}, {@code ?2}, ... at 20
 *       requests a second, each on a new connection ({@code Connection: close}, {@code -m 5});</li>
 *   <li><b>echo:</b> {@code tapwire load} (2 threads, 8 connections, 20,000 round trips of 512
 *       bytes), again every 5 s;</li>
 *   <li><b>bulk:</b> 20 MB to discard (port 9) and 20 MB from the byte source (port 19) with
 *       {@code nc}, again every 20 s;</li>
 *   <li><b>low-rate floods:</b> {@code hping3 -i u2000} (500 frames a second), 30 s each of SYN
 *       from random sources, ACK, RST, FIN, UDP, ICMP echo and never-completed fragments, in
 *       turn;</li>
 *   <li><b>ping</b> every 0.5 s.</li>
 * </ul>
 */
final class SoakLoad {
    private static final String S = Sandbox.STACK_ADDRESS;
    private static final List<String> FLOODS = List.of("-S -p 80 --rand-source", "-A -p 80", "-R -p 80", "-F -p 80",
            "--udp -p 9", "--icmp", "--udp -p 9 -x -d 1000 --rand-source");

    private final Sandbox sandbox;
    private final Path dir;
    private final long endEpochSeconds;

    SoakLoad(Sandbox sandbox, Path dir, long endEpochSeconds) {
        this.sandbox = sandbox;
        this.dir = dir;
        this.endEpochSeconds = endEpochSeconds;
    }

    /** Writes the scripts and starts them in the namespace. */
    void start() throws IOException {
        String loop = "set -u\ncd " + dir + "\nEND=" + endEpochSeconds + "\nwhile [ \"$(date +%s)\" -lt \"$END\" ]; do\n";
        script("http-keepalive", loop
                + "  ab -k -q -c 4 -n 3000 -s 10 http://" + S + "/bytes/1024 > ab.out 2>&1; rc=$?\n"
                + "  c=$(awk -F: '/^Complete requests/{gsub(/ /,\"\",$2); print $2}' ab.out)\n"
                + "  f=$(awk -F: '/^Failed requests/{gsub(/ /,\"\",$2); print $2}' ab.out)\n"
                + "  x=$(awk -F: '/^Non-2xx responses/{gsub(/ /,\"\",$2); print $2}' ab.out)\n"
                + "  echo \"rc=$rc n=3000 complete=${c:-0} failed=${f:-0} non2xx=${x:-0}\" >> http-keepalive.log\n"
                + "  sleep 2\ndone\n");
        script("http-new", "set -u\ncd " + dir + "\n"
                + "timeout $(( " + endEpochSeconds + " - $(date +%s) )) curl -s -o /dev/null --rate 20/s -m 5"
                + " -H 'Connection: close' -w '%{stderr}%{http_code} %{time_total}\\n' 'http://" + S
                + "/bytes/512?[1-100000000]' 2>> http-new.log\n");
        script("echo", loop
                + "  " + javaCommand() + " load --host " + S + " -p 7 -t 2 -c 8 -n 20000 -s 512 --timeout 10 --no-latency"
                + " >> echo.log 2>&1\n"
                + "  echo \"exit $?\" >> echo.log\n"
                + "  sleep 5\ndone\n");
        script("bulk", loop
                + "  head -c 20000000 /dev/zero | nc -N -w 10 " + S + " 9; echo \"discard rc=$?\" >> bulk.log\n"
                + "  n=$(timeout 60 nc -d -w 10 " + S + " 19 | head -c 20000000 | wc -c); echo \"chargen bytes=$n\" >> bulk.log\n"
                + "  sleep 20\ndone\n");
        StringBuilder floods = new StringBuilder(loop);
        for (String f : FLOODS) {
            floods.append("  [ \"$(date +%s)\" -lt \"$END\" ] && { echo \"flood ").append(f).append("\" >> floods.log;"
                    + " timeout -s INT 30 hping3 -q -i u2000 ").append(f).append(' ').append(S).append(" >> floods.log 2>&1; }\n");
        }
        floods.append("done\n");
        script("floods", floods.toString());
        script("ping", "set -u\ncd " + dir + "\nping -i 0.5 -W 2 -w $(( " + endEpochSeconds + " - $(date +%s) )) " + S
                + " > ping.log 2>&1\n");
    }

    private void script(String name, String body) throws IOException {
        Path file = dir.resolve(name + ".sh");
        Files.writeString(file, body);
        sandbox.netns().spawn("sh", file.toString());
    }

    /** {@code tapwire load} as this JVM would run it: the same java and class path. */
    private static String javaCommand() {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> cp = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isEmpty()) {
                cp.add(new File(e).getAbsolutePath());
            }
        }
        return java + " -Xmx128m -XX:TieredStopAtLevel=1 -cp " + String.join(File.pathSeparator, cp) + " io.tapwire.apps.Main";
    }

    /** What the load generators did, from their logs; one line each. */
    List<String> summary() throws IOException {
        List<String> out = new ArrayList<>();
        long abRuns = 0;
        long abN = 0;
        long abOk = 0;
        long abAborted = 0;
        Pattern ab = Pattern.compile("rc=(\\d+) n=(\\d+) complete=(\\d+) failed=(\\d+) non2xx=(\\d+)");
        for (String l : lines("http-keepalive.log")) {
            Matcher m = ab.matcher(l);
            if (m.find()) {
                abRuns++;
                abN += Long.parseLong(m.group(2));
                abOk += Long.parseLong(m.group(3)) - Long.parseLong(m.group(4)) - Long.parseLong(m.group(5));
                abAborted += m.group(1).equals("0") ? 0 : 1;
            }
        }
        out.add(String.format(Locale.ROOT, "HTTP keep-alive (ab -k -c 4): %d of %d requests ok (%s) in %d runs, %d runs aborted",
                abOk, abN, percent(abOk, abN), abRuns, abAborted));
        List<String> curl = lines("http-new.log");
        long curlOk = curl.stream().filter(l -> l.startsWith("200 ")).count();
        double slowest = curl.stream().mapToDouble(l -> parseOr(l.split(" "), 1)).max().orElse(0);
        out.add(String.format(Locale.ROOT, "HTTP new connections (curl, 20/s): %d of %d requests ok (%s), slowest %.3f s", curlOk,
                curl.size(), percent(curlOk, curl.size()), slowest));
        long echoOk = 0;
        long echoFailed = 0;
        long echoRuns = 0;
        Pattern echo = Pattern.compile("success: (\\d+), failed: (\\d+)");
        for (String l : lines("echo.log")) {
            Matcher m = echo.matcher(l);
            if (m.find()) {
                echoRuns++;
                echoOk += Long.parseLong(m.group(1));
                echoFailed += Long.parseLong(m.group(2));
            }
        }
        out.add(String.format(Locale.ROOT, "echo (tapwire load, 8 connections): %d round trips ok, %d failed, in %d runs", echoOk,
                echoFailed, echoRuns));
        List<String> bulk = lines("bulk.log");
        long discardOk = bulk.stream().filter(l -> l.equals("discard rc=0")).count();
        long discardAll = bulk.stream().filter(l -> l.startsWith("discard")).count();
        long chargenOk = bulk.stream().filter(l -> l.equals("chargen bytes=20000000")).count();
        long chargenAll = bulk.stream().filter(l -> l.startsWith("chargen")).count();
        out.add(String.format(Locale.ROOT, "bulk (nc, 20 MB each): %d of %d uploads to discard, %d of %d downloads from the byte source",
                discardOk, discardAll, chargenOk, chargenAll));
        long floodFrames = 0;
        Pattern hp = Pattern.compile("(\\d+) packets transmitted");
        for (String l : lines("floods.log")) {
            Matcher m = hp.matcher(l);
            if (m.find()) {
                floodFrames += Long.parseLong(m.group(1));
            }
        }
        out.add(String.format(Locale.ROOT, "low-rate floods (hping3 -i u2000, 7 kinds in turn): %d frames sent", floodFrames));
        try {
            PingOutput ping = PingOutput.parse(String.join("\n", lines("ping.log")));
            out.add(String.format(Locale.ROOT, "ping: %d sent, %d lost (%s)", ping.transmitted(), ping.lost(),
                    percent(ping.lost(), ping.transmitted())));
        } catch (IllegalArgumentException e) {
            out.add("ping: no summary (stopped early)");
        }
        return out;
    }

    private List<String> lines(String log) throws IOException {
        Path p = dir.resolve(log);
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }

    private static double parseOr(String[] parts, int i) {
        try {
            return Double.parseDouble(parts[i]);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static String percent(long part, long whole) {
        return whole == 0 ? "-" : String.format(Locale.ROOT, "%.3f%%", 100.0 * part / whole);
    }
}
