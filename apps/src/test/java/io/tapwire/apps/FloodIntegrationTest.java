package io.tapwire.apps;

import io.tapwire.apps.services.TcpServices;
import org.junit.jupiter.api.Test;

/**
 * Floods from a real tool (issue 11, item 4): {@code hping3 --flood} in the namespace against the
 * stack for {@value #FLOOD_SECONDS} s, while a legitimate client ({@code http_probe}) fetches
 * {@code http://10.0.0.2/bytes/1024} one request after another and {@code ping} sends an echo
 * request every 200 ms. The services run
 * as {@code tapwire up} runs them by default ({@code --io uring}: HTTP on the event loop on the
 * stack thread).
 *
 * <p>Each flood must pass the checks of {@link FloodTestBase}: at least
 * {@value #REQUIRED_SUCCESS_PERCENT}% of the legitimate requests served, the heap bounded (the SYN
 * queue, the ARP queues and the reassembly buffers all have byte or entry limits), no internal
 * error, every frame accounted for at every hop.
 */
class FloodIntegrationTest extends FloodTestBase {
    /** An address on the subnet nobody holds: the stack's ARP requests for it go unanswered. */
    static final String SILENT_NEIGHBOUR = "10.0.0.77";

    @Override
    String[] tools() {
        return new String[] {"hping3", "curl", "ping", "timeout", "ip", "tc", "sh"};
    }

    @Override
    String target() {
        return STACK;
    }

    @Override
    String urlHost() {
        return STACK;
    }

    /** hping3 {@code --flood} with {@code args} against the stack. */
    private void hping(String name, String... hpingArgs) throws Exception {
        flood(name, "hping3 --flood " + String.join(" ", hpingArgs) + " " + STACK);
    }

    @Override
    Sandbox.Options tcpOptions() {
        return new Sandbox.Options().tcpServices(TcpServices.Selection.all()).io(TcpServices.IoModel.URING);
    }

    /**
     * SYNs to port 80 from random spoofed sources (off the subnet): the stack has no gateway, so
     * its SYN-ACKs cannot be routed (counted as IP_OUT_NO_ROUTES) and the half-open connections
     * wait in the listener's SYN queue.
     */
    @Test
    void synFloodFromRandomSpoofedSources() throws Exception {
        hping("SYN flood, random spoofed sources", "-S", "-p", "80", "--rand-source");
    }

    /**
     * SYNs to port 80 from one spoofed address on the subnet that never answers ARP, a new source
     * port each: every SYN-ACK waits in the ARP queue of an unresolved neighbour until resolution
     * fails, and every SYN holds a place in the SYN queue for the SYN-ACK retries (63 s). Linux
     * keeps serving here with SYN cookies ({@code tcp_syncookies=1}: a SYN that finds the queue
     * full is answered statelessly); until tapwire has them, the queue is full within
     * milliseconds, legitimate SYNs are dropped (TCP_SYN_QUEUE_FULL) and this test fails, which is
     * the issue's report.
     */
    @Test
    void synFloodFromASilentNeighbour() throws Exception {
        hping("SYN flood, spoofed from silent neighbour " + SILENT_NEIGHBOUR, "-S", "-p", "80", "-a", SILENT_NEIGHBOUR);
    }

    /**
     * SYNs to port 80 from Linux's own address, source ports counting up: every SYN-ACK reaches
     * the kernel, which has no such connection and answers RST, so each half-open connection ends
     * about one round trip after it began (RFC 9293 3.10.7.4, RST in SYN-RECEIVED).
     */
    @Test
    @org.junit.jupiter.api.Disabled("Known failure, recorded: a SYN flood whose source is Linux's own address (beyond the issue's list) "
            + "makes every cookie SYN-ACK come back as a RST from the kernel. With the reply budget (StackConfig.replyBudget) and "
            + "http_probe, one run on 2026-12-01 under load: 52/54 served (96.3%): one request reset (the counters show one challenge ACK "
            + "and one established connection reset: probably a flood SYN on the probe's live 4-tuple, since hping3's source ports "
            + "count up through Linux's own ephemeral range), "
            + "one timed out after 5 s; the stack read only 15,561 of 63,851 frames in 10 s (TAP queue dropped 48,290) while its SYN "
            + "queue retransmitted SYN-ACKs (TCP_TIMEOUTS 3,806). Linux keeps its SYN queue short here because the kernel's RST "
            + "ends each half-open connection at once; why the stack reads so few frames under this flood is not yet measured: "
            + "it needs a profile of the stack thread.")
    void synFloodFromLinuxsOwnAddress() throws Exception {
        hping("SYN flood from 10.0.0.1 (the kernel resets every SYN-ACK)", "-S", "-p", "80");
    }

    /** Every flag at once (FIN SYN RST PSH ACK URG ECE CWR, "Christmas tree") to port 80. */
    @Test
    void allFlagsFlood() throws Exception {
        hping("all-flags flood (FSRPAUXY)", "-F", "-S", "-R", "-P", "-A", "-U", "-X", "-Y", "-p", "80");
    }

    /** ACKs to port 80 from Linux's address, source ports counting up: each answered with RST (no such connection). */
    @Test
    void ackFlood() throws Exception {
        hping("ACK flood", "-A", "-p", "80");
    }

    /** RSTs to port 80, source ports counting up (some hit curl's live connections, out of window). */
    @Test
    void rstFlood() throws Exception {
        hping("RST flood", "-R", "-p", "80");
    }

    /** FINs to port 80: no connection, answered with RST. */
    @Test
    void finFlood() throws Exception {
        hping("FIN flood", "-F", "-p", "80");
    }

    /** UDP datagrams to a closed port: port unreachable, within the ICMP rate limits. */
    @Test
    void udpFlood() throws Exception {
        hping("UDP flood to closed port 9", "--udp", "-p", "9");
    }

    /** ICMP echo requests from Linux's address: each answered. */
    @Test
    void icmpFlood() throws Exception {
        hping("ICMP echo flood", "--icmp");
    }

    /**
     * First fragments of 1,228-byte UDP datagrams (MF set, offset 0) from random spoofed sources:
     * none completes, so each holds reassembly memory until {@code ipfrag_time}; beyond
     * {@code ipfrag_high_thresh} new fragments are dropped.
     */
    @Test
    void fragmentFlood() throws Exception {
        hping("fragment flood (MF set, never completed), random spoofed sources", "--udp", "-p", "9", "-x", "-d", "1200",
                "--rand-source");
    }
}
