package io.tapwire.apps.ss;

import io.tapwire.apps.control.SocketRow;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * ss's output: the columns (Netid when more than one protocol, State, Recv-Q, Send-Q, Local
 * Address:Port, Peer Address:Port, Process), and with {@code -i} the tcp_info line in the order
 * and units iproute2's {@code tcp_show_info} prints it: times in ms with {@code %g}, cwnd,
 * ssthresh, unacked, sacked and lost in segments, rates in bit/s. tapwire adds {@code ca_state}
 * (Linux's CA state, which ss does not print) at the end.
 */
final class SsFormat {
    /** What to show, from ss's flags. */
    record Options(boolean numeric, boolean info, boolean extended, boolean showOptions, boolean oneline, boolean header,
                   boolean netid, boolean memory) {
        Options(boolean numeric, boolean info, boolean extended, boolean showOptions, boolean oneline, boolean header,
                boolean netid) {
            this(numeric, info, extended, showOptions, oneline, header, netid, false);
        }
    }

    private final Options o;

    SsFormat(Options options) {
        this.o = options;
    }

    /** The whole table. */
    String table(List<SocketRow> rows) {
        List<String[]> cells = new ArrayList<>();
        for (SocketRow r : rows) {
            cells.add(new String[] {r.netid(), r.state(), Long.toString(r.recvQ()), Long.toString(r.sendQ()),
                r.localText(), port(r.localPort(), r.netid()), r.peerText(), port(r.peerPort(), r.netid())});
        }
        String[] head = {"Netid", "State", "Recv-Q", "Send-Q", "Local Address", "Port", "Peer Address", "Port"};
        int[] w = new int[head.length];
        for (int i = 0; i < head.length; i++) {
            w[i] = o.header ? head[i].length() : 0;
        }
        for (String[] c : cells) {
            for (int i = 0; i < c.length; i++) {
                w[i] = Math.max(w[i], c[i].length());
            }
        }
        // "Local Address:Port" is one heading over two columns: the address right-aligned, the port left.
        int localW = Math.max(w[4] + 1 + w[5], o.header ? "Local Address:Port".length() : 0);
        int peerW = Math.max(w[6] + 1 + w[7], o.header ? "Peer Address:Port".length() : 0);
        StringBuilder sb = new StringBuilder();
        if (o.header) {
            if (o.netid) {
                sb.append(pad("Netid", w[0])).append(' ');
            }
            sb.append(pad("State", w[1])).append(' ').append(pad("Recv-Q", w[2])).append(' ').append(pad("Send-Q", w[3]))
                    .append(' ').append(padLeft("Local Address:Port", localW)).append(' ').append(pad("Peer Address:Port", peerW))
                    .append(" Process\n");
        }
        for (int i = 0; i < rows.size(); i++) {
            String[] c = cells.get(i);
            StringBuilder line = new StringBuilder();
            if (o.netid) {
                line.append(pad(c[0], w[0])).append(' ');
            }
            line.append(pad(c[1], w[1])).append(' ').append(pad(c[2], w[2])).append(' ').append(pad(c[3], w[3])).append(' ');
            // Each address column: the address right-aligned, ':' and the port left-aligned, as ss prints them.
            line.append(padLeft(c[4], localW - w[5] - 1)).append(':').append(pad(c[5], w[5])).append(' ');
            line.append(padLeft(c[6], peerW - w[7] - 1)).append(':').append(pad(c[7], w[7]));
            SocketRow r = rows.get(i);
            if (o.showOptions && r.hasInfo()) {
                line.append(timer(r));
            }
            if (o.extended) {
                line.append(extended(r));
            }
            String text = line.toString().stripTrailing();
            sb.append(text);
            String detail = "";
            if (o.memory && r.hasInfo()) {
                // ss -m: skmem:(r<queued>,rb<rcvbuf>,t<unacked>,tb<sndbuf>,f,w,o,bl,d): the fields tapwire has, the rest 0.
                detail = "skmem:(r" + r.recvQ() + ",rb" + r.num("rcvbuf") + ",t" + r.sendQ() + ",tb" + r.num("sndbuf")
                        + ",f0,w0,o0,bl0,d0)";
            }
            if (o.info && r.hasInfo()) {
                detail = detail.isEmpty() ? info(r) : detail + " " + info(r);
            }
            if (!detail.isEmpty()) {
                sb.append(o.oneline ? " " : "\n\t ").append(detail);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private String port(int port, String netid) {
        if (port == 0) {
            return "*";
        }
        if (!o.numeric && netid.equals("tcp")) {
            String name = Services.name(port);
            if (name != null) {
                return name;
            }
        }
        return Integer.toString(port);
    }

    /** {@code -o}: the pending timer as ss prints it, {@code timer:(on,208ms,0)}; nothing when none is armed. */
    static String timer(SocketRow r) {
        int kind = (int) r.num("timer");
        if (kind <= 0) {
            return "";
        }
        String[] names = {"off", "on", "keepalive", "timewait", "persist", "unknown"};
        return " timer:(" + names[Math.min(kind, 5)] + "," + msTimer(r.num("timer_us") / 1000) + "," + r.num("timer_retrans") + ")";
    }

    /** iproute2's print_ms_timer: "208ms", "1.208sec", "59sec", "119min". */
    static String msTimer(long ms) {
        long secs = ms / 1000;
        long msecs = ms % 1000;
        StringBuilder sb = new StringBuilder();
        if (secs >= 60) {
            sb.append(secs / 60).append("min");
            secs %= 60;
        }
        if (secs > 0) {
            sb.append(secs);
            if (msecs > 0) {
                sb.append('.').append(String.format("%03d", msecs));
            }
            sb.append("sec");
        } else if (sb.length() == 0 || msecs > 0) {
            sb.append(msecs).append("ms");
        }
        return sb.toString();
    }

    /**
     * {@code -e}: an identity for the socket (ss's {@code sk:}, here a hash of the 4-tuple) and the
     * shutdown arrows ({@code <->} both open, {@code --->} receive side shut, {@code <---} send side
     * shut, {@code ---} both), derived from the state as Linux's sk_shutdown follows it.
     */
    private static String extended(SocketRow r) {
        long local = r.ipv6() ? r.local6().hashCode() : r.localAddress();
        long peer = r.ipv6() ? r.peer6().hashCode() : r.peerAddress();
        long id = (local * 31 + r.localPort()) * 1_000_003L + peer * 131 + r.peerPort();
        String arrows = switch (r.state()) {
            case "CLOSE-WAIT" -> " --->";
            case "FIN-WAIT-1", "FIN-WAIT-2" -> " <---";
            case "CLOSING", "LAST-ACK", "TIME-WAIT" -> " ---";
            case "LISTEN", "UNCONN" -> "";
            default -> " <->";
        };
        return " uid:0 ino:0 sk:" + Long.toHexString(id & 0xffff_ffffL) + (r.netid().equals("tcp") ? arrows : "");
    }

    /** The tcp_info line of {@code ss -i}, without its leading tab. */
    String info(SocketRow r) {
        StringBuilder sb = new StringBuilder();
        long mss = Math.max(1, r.num("mss"));
        if (o.showOptions) {
            if (r.flag("ts")) {
                sb.append(" ts");
            }
            if (r.flag("sack")) {
                sb.append(" sack");
            }
            if (r.flag("ecn")) {
                sb.append(" ecn");
            }
        }
        sb.append(' ').append(r.info().get("cc"));
        if (r.num("snd_wscale") >= 0 && r.info().containsKey("snd_wscale") && !"-1".equals(r.info().get("snd_wscale"))) {
            sb.append(" wscale:").append(r.num("snd_wscale")).append(',').append(r.num("rcv_wscale"));
        }
        if (r.num("rto_us") > 0) {
            sb.append(" rto:").append(CFormat.g(r.num("rto_us") / 1000.0));
        }
        if (r.num("backoff") > 0) {
            sb.append(" backoff:").append(r.num("backoff"));
        }
        if (r.num("srtt_us") > 0) {
            sb.append(" rtt:").append(CFormat.g(r.num("srtt_us") / 1000.0)).append('/').append(CFormat.g(r.num("rttvar_us") / 1000.0));
        }
        if (r.num("ato_us") > 0) {
            sb.append(" ato:").append(CFormat.g(r.num("ato_us") / 1000.0));
        }
        nonZero(sb, "mss", r.num("mss"));
        nonZero(sb, "pmtu", r.num("pmtu"));
        nonZero(sb, "rcvmss", r.num("rcvmss"));
        nonZero(sb, "advmss", r.num("advmss"));
        long cwnd = r.num("cwnd") / mss;
        nonZero(sb, "cwnd", cwnd);
        long ssthresh = r.num("ssthresh");
        // ss shows ssthresh only below TCP_INFINITE_SSTHRESH's 0xFFFF segments.
        if (ssthresh > 0 && ssthresh < Integer.MAX_VALUE && ssthresh / mss < 0xFFFF) {
            sb.append(" ssthresh:").append(ssthresh / mss);
        }
        nonZero(sb, "bytes_sent", r.num("bytes_sent"));
        nonZero(sb, "bytes_retrans", r.num("bytes_retrans"));
        nonZero(sb, "bytes_acked", r.num("bytes_acked"));
        nonZero(sb, "bytes_received", r.num("bytes_received"));
        nonZero(sb, "segs_out", r.num("segs_out"));
        nonZero(sb, "segs_in", r.num("segs_in"));
        nonZero(sb, "data_segs_out", r.num("data_segs_out"));
        nonZero(sb, "data_segs_in", r.num("data_segs_in"));
        long srtt = r.num("srtt_us");
        if (srtt > 0 && cwnd > 0) {
            // ss: tcpi_snd_cwnd * tcpi_snd_mss * 8 000 000 / tcpi_rtt.
            sb.append(" send ").append(bw((double) cwnd * mss * 8_000_000.0 / srtt)).append("bps");
        }
        long rate = r.num("delivery_rate");
        if (rate > 0) {
            sb.append(" delivery_rate ").append(bw(rate * 8.0)).append("bps");
        }
        nonZero(sb, "unacked", segments(r.num("unacked"), mss));
        long retrans = r.num("retrans");
        long total = r.num("total_retrans");
        if (retrans > 0 || total > 0) {
            sb.append(" retrans:").append(retrans).append('/').append(total);
        }
        nonZero(sb, "lost", segments(r.num("lost"), mss));
        nonZero(sb, "sacked", segments(r.num("sacked"), mss));
        nonZero(sb, "rcv_space", r.num("rcv_space"));
        if (r.num("minrtt_us") > 0) {
            sb.append(" minrtt:").append(CFormat.g(r.num("minrtt_us") / 1000.0));
        }
        nonZero(sb, "snd_wnd", r.num("snd_wnd"));
        nonZero(sb, "rcv_wnd", r.num("rcv_wnd"));
        String ca = r.info().get("ca_state");
        if (ca != null) {
            sb.append(" ca_state:").append(caName(ca));
        }
        return sb.toString().substring(1);
    }

    /** Linux's names for the CA states (tcp_ca_state): Open, Disorder, CWR, Recovery, Loss. */
    static String caName(String enumName) {
        return enumName.equals("CWR") ? "CWR" : enumName.charAt(0) + enumName.substring(1).toLowerCase(Locale.ROOT);
    }

    private static long segments(long bytes, long mss) {
        return (bytes + mss - 1) / mss;
    }

    private static void nonZero(StringBuilder sb, String name, long v) {
        if (v != 0) {
            sb.append(' ').append(name).append(':').append(v);
        }
    }

    /** ss's sprint_bw: a plain number with {@code -n}, else %.3g with k, M, G or T. */
    private String bw(double bps) {
        if (o.numeric) {
            return String.format(Locale.ROOT, "%.0f", bps);
        }
        if (bps >= 1e12) {
            return CFormat.g(bps / 1e12, 3) + "T";
        }
        if (bps >= 1e9) {
            return CFormat.g(bps / 1e9, 3) + "G";
        }
        if (bps >= 1e6) {
            return CFormat.g(bps / 1e6, 3) + "M";
        }
        if (bps >= 1e3) {
            return CFormat.g(bps / 1e3, 3) + "k";
        }
        return CFormat.g(bps);
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s : s + " ".repeat(w - s.length());
    }

    private static String padLeft(String s, int w) {
        return s.length() >= w ? s : " ".repeat(w - s.length()) + s;
    }
}
