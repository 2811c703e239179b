#!/usr/bin/python3
"""Blind in-window attacks (RFC 5961) and forged ICMP errors (RFC 5927) against one live TCP
connection to the stack's echo service, run with scapy inside the sandbox namespace, over IPv4
or, when --src and --dst are IPv6 addresses, over IPv6 with ICMPv6 errors.

A kernel socket makes and uses the connection. scapy watches tap0 to learn the connection's
sequence numbers and injects forged segments with its 4-tuple, as an attacker who knows the
ports and roughly where the window is, but not the exact sequence number, would. After every
attack the echo must still answer byte for byte on the kernel socket.

Prints one line per step:
    port <local port of the kernel socket>
    step <name> challenge=<0|1> answered=<0|1> echo=<0|1> <detail>
where challenge=1 means the stack answered with a pure ACK carrying exactly SND.NXT and RCV.NXT
within a second, answered=1 that it sent anything at all, echo=1 that a fresh message echoed
intact afterwards. Files in --dir: "port" once connected; "attacks-done" after the attacks. The
script then waits for "control" and sends one RST at exactly RCV.NXT, which must reset the
connection (the control shows the sequence numbers used above were right): "step control-exact-rst
reset=<0|1>". Exit status 0 unless something could not be run at all.
"""
import argparse
import os
import random
import socket
import sys
import threading
import time

from scapy.all import ICMP, IP, TCP, Ether, Raw, AsyncSniffer, L3RawSocket, conf, get_if_hwaddr, send, sendp  # noqa: E402
from scapy.layers.inet6 import IPv6, ICMPv6DestUnreach, ICMPv6PacketTooBig  # noqa: E402

conf.verb = 0
# The kernel routes and resolves the injected IPv4 datagrams (IP_HDRINCL raw socket) as it does
# its own. IPv6 ones go out as whole frames on --iface, to the stack's MAC as the sniffer saw it.
conf.L3socket = L3RawSocket

MOD = 1 << 32


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--src", default="10.0.0.1")
    p.add_argument("--dst", default="10.0.0.2")
    p.add_argument("--port", type=int, default=7)
    p.add_argument("--iface", default="tap0")
    p.add_argument("--dir", required=True)
    p.add_argument("--seconds", type=float, default=60)
    a = p.parse_args()
    # --src and --dst of IPv6 (colons) run every attack over IPv6; the ICMP errors are then
    # ICMPv6 ones (RFC 4443): packet too big at the minimum MTU 1280, port and address unreachable.
    v6 = ":" in a.dst
    L3 = IPv6 if v6 else IP
    deadline = time.time() + a.seconds

    flow = {"cport": None}

    def ours(pkt):
        if L3 not in pkt or TCP not in pkt or flow["cport"] is None:
            return False
        ip, tcp = pkt[L3], pkt[TCP]
        return ((ip.src == a.dst and tcp.sport == a.port and tcp.dport == flow["cport"])
                or (ip.src == a.src and tcp.dport == a.port and tcp.sport == flow["cport"]))

    ready = threading.Event()
    captured = []  # appended by the sniffer's thread; AsyncSniffer.results is only set when it stops
    sniffer = AsyncSniffer(iface=a.iface, store=False, lfilter=ours, prn=captured.append, started_callback=ready.set)
    sniffer.start()
    if not ready.wait(10):
        sys.exit("the sniffer did not start")

    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(3)
    s.bind((a.src, 0))
    flow["cport"] = s.getsockname()[1]
    s.connect((a.dst, a.port))
    print("port", flow["cport"], flush=True)
    with open(os.path.join(a.dir, "port"), "w") as f:
        f.write(str(flow["cport"]))

    counter = [0]

    def echo():
        counter[0] += 1
        msg = ("echo %d %s\n" % (counter[0], "x" * 50)).encode()
        try:
            s.sendall(msg)
            got = b""
            while len(got) < len(msg):
                chunk = s.recv(len(msg) - len(got))
                if not chunk:
                    return False
                got += chunk
            # Let the kernel's ACK of the echo leave, so the sniffed numbers are final.
            time.sleep(0.3)
            return got == msg
        except OSError:
            return False

    def seen():
        return list(captured)

    def numbers():
        """(SND.NXT, RCV.NXT, window field) of the stack, from the last segment each way."""
        pkts = seen()
        from_stack = [x for x in pkts if x[L3].src == a.dst]
        from_us = [x for x in pkts if x[L3].src == a.src]
        last_stack, last_us = from_stack[-1][TCP], from_us[-1][TCP]
        snd_nxt = (last_stack.seq + len(last_stack.payload)) % MOD
        rcv_nxt = (last_us.seq + len(last_us.payload)) % MOD
        return snd_nxt, rcv_nxt, last_stack.window

    def inject(pkt):
        """Sends pkt, then reports (challenge, answered) from what the stack sent within 1 s."""
        snd_nxt, rcv_nxt, _ = numbers()
        before = len(seen())
        emit(pkt)
        end = time.time() + 1.0
        challenge = answered = False
        while time.time() < end and not challenge:
            time.sleep(0.05)
            for x in seen()[before:]:
                if x[L3].src != a.dst:
                    continue
                answered = True
                t = x[TCP]
                if str(t.flags) == "A" and len(t.payload) == 0 and t.seq == snd_nxt and t.ack == rcv_nxt:
                    challenge = True
        return challenge, answered

    def emit(pkt):
        if not v6:
            send(pkt)
            return
        stack_mac = [x for x in seen() if x[L3].src == a.dst][-1][Ether].src
        sendp(Ether(src=get_if_hwaddr(a.iface), dst=stack_mac) / pkt, iface=a.iface)

    def tcp(flags, seq, ack=0, payload=b""):
        pkt = L3(src=a.src, dst=a.dst) / TCP(sport=flow["cport"], dport=a.port, flags=flags, seq=seq % MOD,
                                              ack=ack % MOD, window=65535)
        return pkt / Raw(payload) if payload else pkt

    def icmp_error(code, quoted_seq, mtu=0):
        snd_nxt, rcv_nxt, _ = numbers()
        if v6:
            quoted = IPv6(src=a.dst, dst=a.src) / TCP(sport=a.port, dport=flow["cport"], flags="A",
                                                      seq=quoted_seq % MOD, ack=rcv_nxt)
            # ICMPv4 "fragmentation needed" (type 3 code 4) is ICMPv6 "packet too big" (type 2);
            # port unreachable is code 4 in both, host unreachable (1) is address unreachable (3).
            if code == 4 and mtu:
                error = ICMPv6PacketTooBig(mtu=mtu)
            else:
                error = ICMPv6DestUnreach(code={3: 4, 1: 3}[code])
            return IPv6(src=a.src, dst=a.dst) / error / quoted
        quoted = IP(src=a.dst, dst=a.src, flags="DF") / TCP(sport=a.port, dport=flow["cport"], flags="A",
                                                            seq=quoted_seq % MOD, ack=rcv_nxt)
        return IP(src=a.src, dst=a.dst) / ICMP(type=3, code=code, nexthopmtu=mtu) / quoted

    def step(name, pkt_fn, detail=""):
        if time.time() > deadline:
            sys.exit("out of time before step " + name)
        challenge, answered = inject(pkt_fn())
        ok = echo()
        print("step %s challenge=%d answered=%d echo=%d %s" % (name, challenge, answered, ok, detail), flush=True)

    if not echo():
        sys.exit("the echo service did not echo before any attack")

    snd_nxt, rcv_nxt, window = numbers()
    # RFC 5961 section 3: a RST inside the window but not at RCV.NXT earns a challenge ACK.
    step("rst-in-window-next", lambda: tcp("R", numbers()[1] + 1), "seq=RCV.NXT+1")
    step("rst-in-window-middle", lambda: tcp("R", numbers()[1] + window // 2), "seq=RCV.NXT+%d" % (window // 2))
    # RFC 5961 section 4: a SYN on a synchronized connection, whatever its sequence number.
    step("syn-in-window", lambda: tcp("S", numbers()[1] + 10), "seq=RCV.NXT+10")
    step("syn-random", lambda: tcp("S", random.getrandbits(32)), "seq=random")
    # RFC 5961 section 5: data at exactly RCV.NXT whose ACK is unacceptable is not accepted.
    step("data-ack-unsent", lambda: tcp("PA", numbers()[1], numbers()[0] + 1000000, b"INJECTED-1\n"),
         "ack=SND.NXT+1000000")
    step("data-ack-too-old", lambda: tcp("PA", numbers()[1], numbers()[0] - (1 << 30), b"INJECTED-2\n"),
         "ack=SND.NXT-2^30")
    # RFC 5927 section 4.1: ICMP errors quoting a sequence number outside SND.UNA..SND.NXT.
    too_big, mtu = ("icmp-packet-too-big", 1280) if v6 else ("icmp-frag-needed", 576)
    step(too_big + "-unsent", lambda: icmp_error(4, numbers()[0] + 100000, mtu), "quoted seq=SND.NXT+100000 mtu=%d" % mtu)
    step(too_big + "-acked", lambda: icmp_error(4, numbers()[0] - 100000, mtu), "quoted seq=SND.NXT-100000 mtu=%d" % mtu)
    step("icmp-port-unreachable", lambda: icmp_error(3, numbers()[0] + 5000), "quoted seq=SND.NXT+5000")
    step("icmp-address-unreachable" if v6 else "icmp-host-unreachable", lambda: icmp_error(1, numbers()[0] - 1),
         "quoted seq=SND.NXT-1")

    with open(os.path.join(a.dir, "attacks-done"), "w") as f:
        f.write("1")
    while not os.path.exists(os.path.join(a.dir, "control")):
        if time.time() > deadline:
            sys.exit("gave up waiting for the control signal")
        time.sleep(0.05)

    # Control: the same attacker with the exact sequence number does reset the connection.
    emit(tcp("R", numbers()[1]))
    time.sleep(0.3)
    reset = False
    try:
        s.sendall(b"after the reset\n")
        s.settimeout(2)
        reset = s.recv(100) == b""
    except OSError:
        reset = True
    print("step control-exact-rst reset=%d" % reset, flush=True)
    sniffer.stop()
    s.close()


if __name__ == "__main__":
    main()
