#!/usr/bin/env python3
"""Opens and holds many TCP connections from one source address (Linux side of the sandbox),
over IPv4 or IPv6 (whichever family --dst is).

Steps, each announced by a file in --dir so the test can follow without pipes:
  1. connect --count connections from --src to --dst:--port (non-blocking, at most --inflight
     handshakes at once), write "<name>.established" with the number made;
  2. wait for "go", echo a distinct message on --sample of them (spread evenly), check every
     byte, write "<name>.echoed" with the number that came back right;
  3. wait for "release", close everything, exit 0.
Any failure is written to "<name>.error" and the exit status is 1.
"""
import argparse
import errno
import os
import selectors
import socket
import sys
import time


def wait_for(path, deadline):
    while not os.path.exists(path):
        if time.time() > deadline:
            raise TimeoutError("gave up waiting for " + path)
        time.sleep(0.05)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--src", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--port", type=int, default=7)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--sample", type=int, default=100)
    p.add_argument("--inflight", type=int, default=128)
    p.add_argument("--dir", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--seconds", type=float, default=120)
    p.add_argument("--close-batch", type=int, default=50)
    a = p.parse_args()
    deadline = time.time() + a.seconds
    # An IPv6 address has colons: the IPv6 twin of the test connects over IPv6.
    family = socket.AF_INET6 if ":" in a.dst else socket.AF_INET
    out = lambda suffix: os.path.join(a.dir, a.name + "." + suffix)
    socks = []
    try:
        sel = selectors.DefaultSelector()
        pending = 0
        started = 0
        while len(socks) < a.count:
            while started < a.count and pending < a.inflight:
                s = socket.socket(family, socket.SOCK_STREAM)
                s.setblocking(False)
                s.bind((a.src, 0))
                rc = s.connect_ex((a.dst, a.port))
                if rc not in (0, errno.EINPROGRESS):
                    raise OSError(rc, "connect: " + os.strerror(rc))
                sel.register(s, selectors.EVENT_WRITE)
                pending += 1
                started += 1
            if time.time() > deadline:
                raise TimeoutError("only %d of %d connections after %s s" % (len(socks), a.count, a.seconds))
            for key, _ in sel.select(timeout=1.0):
                s = key.fileobj
                sel.unregister(s)
                pending -= 1
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise OSError(err, "connect: " + os.strerror(err))
                socks.append(s)
        with open(out("established"), "w") as f:
            f.write("%d\n" % len(socks))
        wait_for(out("go"), deadline)
        ok = 0
        step = max(1, len(socks) // max(1, a.sample))
        for i in range(0, step * a.sample, step):
            s = socks[i]
            s.setblocking(True)
            s.settimeout(20)
            msg = ("%s connection %d of %d\n" % (a.name, i, len(socks))).encode()
            s.sendall(msg)
            got = b""
            while len(got) < len(msg):
                chunk = s.recv(len(msg) - len(got))
                if not chunk:
                    break
                got += chunk
            if got == msg:
                ok += 1
        with open(out("echoed"), "w") as f:
            f.write("%d\n" % ok)
        wait_for(out("release"), deadline)
        # Close in paced batches (--close-batch per 20 ms): a burst of 100,000 FINs overflows the
        # TAP's queue, and the kernel then retransmits the lost FINs of all orphans in synchronized
        # waves that overflow it again.
        for i in range(0, len(socks), a.close_batch):
            for s in socks[i:i + a.close_batch]:
                s.close()
            time.sleep(0.02)
        socks = []
        return 0
    except Exception as e:  # report for the test, whatever it was
        with open(out("error"), "w") as f:
            f.write("%s: %s\n" % (type(e).__name__, e))
        return 1
    finally:
        for s in socks:
            s.close()


if __name__ == "__main__":
    sys.exit(main())
