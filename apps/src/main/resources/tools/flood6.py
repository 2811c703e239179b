#!/usr/bin/env python3
"""IPv6 floods for the flood test's IPv6 twin, in the sandbox namespace (hping3 speaks IPv4 only).

Builds a pool of Ethernet frames once (IPv6 + TCP, UDP or a first fragment, checksums right) and
writes them to the interface through an AF_PACKET socket, round and round, until it is stopped
with SIGINT (as ``timeout -s INT`` stops hping3) or --seconds pass. Then it prints, like hping3,
one line "N packets transmitted" (plus errors, when the interface refused some).

Modes, each the twin of an hping3 flood of the IPv4 test:
  syn       SYNs to --port (hping3 -S)
  allflags  every TCP flag at once, FIN SYN RST PSH ACK URG ECE CWR (hping3 -FSRPAUXY)
  rst, fin  RSTs, FINs to --port (hping3 -R, -F)
  ack       ACKs to --port, a random acknowledgment number each (hping3 -A)
  icmp      ICMPv6 echo requests, 56 bytes of data, sequence counting up (hping3 --icmp)
  udp       empty UDP datagrams to --port (hping3 --udp)
  frag      first fragments (offset 0, M set) of UDP datagrams of 8 + --data bytes, never
            completed (hping3 --udp -x -d 1200)
Sources: --src with the source port counting up from a random start (hping3's default), or, with
--rand-source, random addresses in 2001:db8::/32 (RFC 3849, documentation; off-link for the
stack) and random ports.
"""
import argparse
import os
import random
import signal
import socket
import struct
import sys
import time

ETH_P_IPV6 = 0x86DD
NH_TCP, NH_UDP, NH_FRAGMENT, NH_ICMPV6 = 6, 17, 44, 58
FLAGS = {"syn": 0x02, "rst": 0x04, "fin": 0x01, "ack": 0x10, "allflags": 0xFF}


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def upper_checksum(src, dst, nh, upper):
    """RFC 8200 section 8.1: the upper-layer checksum over the IPv6 pseudo-header."""
    pseudo = src + dst + struct.pack("!IxxxB", len(upper), nh)
    return checksum(pseudo + upper)


def frame(dst_mac, src_mac, src, dst, nh, payload):
    eth = dst_mac + src_mac + struct.pack("!H", ETH_P_IPV6)
    ip6 = struct.pack("!IHBB", 6 << 28, len(payload), nh, 64) + src + dst
    return eth + ip6 + payload


def tcp(src, dst, sport, dport, flags, seq, ack=0):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 512, 0, 0)
    c = upper_checksum(src, dst, NH_TCP, hdr)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:]


def udp(src, dst, sport, dport, data):
    hdr = struct.pack("!HHHH", sport, dport, 8 + len(data), 0)
    c = upper_checksum(src, dst, NH_UDP, hdr + data) or 0xFFFF
    return hdr[:6] + struct.pack("!H", c) + data


def echo_request(src, dst, ident, seq):
    """An ICMPv6 echo request (RFC 4443 section 4.1) with 56 bytes of data, as ping sends."""
    msg = struct.pack("!BBHHH", 128, 0, 0, ident, seq) + bytes(range(56))
    c = upper_checksum(src, dst, NH_ICMPV6, msg)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--iface", default="tap0")
    p.add_argument("--dst-mac", required=True)
    p.add_argument("--src", default="fd00::1")
    p.add_argument("--dst", default="fd00::2")
    p.add_argument("--rand-source", action="store_true")
    p.add_argument("--mode", choices=["syn", "allflags", "rst", "fin", "ack", "udp", "icmp", "frag"], required=True)
    p.add_argument("--port", type=int, default=80)
    p.add_argument("--data", type=int, default=1200)
    p.add_argument("--pool", type=int, default=16384)
    p.add_argument("--seconds", type=float, default=60)
    a = p.parse_args()

    with open("/sys/class/net/%s/address" % a.iface) as f:
        src_mac = mac(f.read().strip())
    dst_mac = mac(a.dst_mac)
    dst = socket.inet_pton(socket.AF_INET6, a.dst)
    rnd = random.Random()
    base_port = rnd.randrange(1024, 65536)
    pool = []
    for i in range(a.pool if a.mode != "frag" else min(a.pool, 4096)):
        if a.rand_source:
            src = bytes.fromhex("20010db8") + rnd.getrandbits(96).to_bytes(12, "big")
            sport = rnd.randrange(1024, 65536)
        else:
            src = socket.inet_pton(socket.AF_INET6, a.src)
            sport = (base_port + i) % 65536
        if a.mode in FLAGS:
            payload, nh = tcp(src, dst, sport, a.port, FLAGS[a.mode], rnd.getrandbits(32),
                              rnd.getrandbits(32) if a.mode == "ack" else 0), NH_TCP
        elif a.mode == "icmp":
            payload, nh = echo_request(src, dst, base_port, i % 65536), NH_ICMPV6
        elif a.mode == "udp":
            payload, nh = udp(src, dst, sport, a.port, b""), NH_UDP
        else:
            # RFC 8200 section 4.5: a fragment header (offset 0, M set) before the first 8 + data
            # bytes of a datagram that claims more; the rest never comes.
            whole = udp(src, dst, sport, a.port, bytes(a.data) + bytes(a.data))
            first = whole[:8 + a.data - (8 + a.data) % 8]
            frag = struct.pack("!BBHI", NH_UDP, 0, 0x0001, rnd.getrandbits(32))
            payload, nh = frag + first, NH_FRAGMENT
        pool.append(frame(dst_mac, src_mac, src, dst, nh, payload))

    stop = []
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    sent = errors = 0
    end = time.time() + a.seconds
    while not stop and time.time() < end:
        for f in pool:
            try:
                s.send(f)
                sent += 1
            except InterruptedError:
                break
            except OSError:
                errors += 1  # ENOBUFS: the interface's queue was full
            if stop:
                break
    print("--- %s flood6 statistic ---" % a.dst)
    print("%d packets transmitted, %d send errors, mode %s%s" % (sent, errors, a.mode,
                                                                  ", random sources" if a.rand_source else ""))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
