#!/usr/bin/env bash
# The floor of the bulk echo over a TAP on this machine, beside tapwire and Linux: the same client
# (tapwire load, one connection, echoes of --size bytes after unmeasured ones) against
#   (1) apps/src/main/c/tap_echo_floor.c, blocking reads: one C thread echoing TCP straight from
#       the TAP (offloads on, as tapwire opens it), no stack, no JVM, no application thread;
#   (2) the same, busy-polling the TAP;
#   (3) the unmodified Netty NIO echo server of the integration tests under tapwire run (TAP);
#   (4) the same Netty server on the Linux kernel over a veth pair (issue 12's Linux column).
# (1) and (2) bound what any userspace stack behind a TAP can reach here. Each side in a private
# network namespace, deleted afterwards. Needs root, gcc, Maven and Netty in ~/.m2 (as
# scripts/bench-netty-echo.sh). Not part of CI.
#   sudo scripts/bench-echo-floor.sh [ECHOES, default 3000] [ROUNDS, default 3] [SIZE, default 65536] [MTU, default 1500]
# MTU is set on the TAP and on both ends of the veth pair alike, and given to tapwire run --mtu.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ECHOES="${1:-3000}"
ROUNDS="${2:-3}"
SIZE="${3:-65536}"
MTU="${4:-1500}"
# Unmeasured echoes first (the same for every server): the JVMs' C2 compilers are done by then
# (the kernel's Netty server kept compiling for about 20,000 64 KiB echoes on a fresh start here),
# and a vCPU kept busy by a compiler makes wakeups, and so the echo, faster on this VM.
WARMUP=20000
PORT=7007
NAME=bench-echo-floor
# shellcheck source=scripts/echo-bench-lib.sh
. "$ROOT/scripts/echo-bench-lib.sh"
echo_bench_init

measure() { # NETNS LABEL
  local out
  out="$(ip netns exec "$1" "$ROOT/tapwire" load --host 10.0.0.2 -p "$PORT" -t 1 -c 1 -n "$ECHOES" -s "$SIZE" \
    --warmup "$WARMUP" 2>&1)"
  local ms
  ms="$(sed -n 's/^success: [0-9]*, failed: 0, time_used: \([0-9]*\),.*/\1/p' <<<"$out")"
  [ -n "$ms" ] || { echo "bench-echo-floor: $2: $out" >&2; return 1; }
  local mbps p50
  mbps="$(awk -v n="$ECHOES" -v s="$SIZE" -v ms="$ms" 'BEGIN {printf "%.1f", n * s / 1e6 / (ms / 1000)}')"
  p50="$(sed -n 's/^latency: p50 \([0-9.]*\) us.*/\1/p' <<<"$out")"
  printf '  %-40s %8s MB/s  (p50 %s us)\n' "$2" "$mbps" "$p50"
  echo "$2|$mbps" >>"$TMP/figures"
}

veth_pair

echo "echo floor: $ECHOES echoes of $SIZE bytes on one connection after $WARMUP unmeasured, MTU $MTU, $ROUNDS rounds; $(nproc) CPUs, $(uname -r)"
for round in $(seq "$ROUNDS"); do
  echo "round $round"
  run_floor block
  run_floor spin
  run_tapwire
  run_linux
done

echo "medians, and as a ratio of the Linux Netty server's:"
base="$(median_of "Linux, Netty echo (veth)")"
awk -F'|' '!seen[$1]++ {print $1}' "$TMP/figures" | while read -r label; do
  med="$(median_of "$label")"
  awk -v l="$label" -v m="$med" -v b="$base" 'BEGIN {printf "  %-40s %8.1f MB/s  %.2fx\n", l, m, m / b}'
done
