#!/usr/bin/env bash
# Streaming bulk echo, beside issue 12's 64 KiB echoes (one request at a time, scripts/bench-netty-echo.sh):
# the unmodified Netty NIO echo server of the integration tests, on tapwire (tapwire run, TAP) and on
# the Linux kernel (veth pair), and one client for both, apps/src/main/c/bulk.c 'client echo': one C
# thread writing MiB megabytes into the connection while it reads the echo back (poll(2), 256 KiB
# buffers), so both directions stream at once and the figure is the server's throughput, not its
# latency. Beside them, apps/src/main/c/tap_echo_floor.c on the same TAP (blocking reads, then
# busy-polled): one C thread echoing TCP straight from the TAP, the least a userspace stack behind a
# TAP must do, so what the TAP itself allows here. An unmeasured stream of WARMUP MiB first on its
# own connection: tapwire's stack kept C2 busy for about 6 s of streaming here (3.6 GB), the
# kernel's Netty server about 2 s, and on 2 CPUs a measurement during compilation measures the
# compiler. The order of tapwire and Linux alternates between rounds. Each side in
# private network namespaces, deleted afterwards.
# Needs root, gcc, Maven and Netty in ~/.m2 (as scripts/bench-netty-echo.sh). Not part of CI.
#   sudo scripts/bench-stream-echo.sh [MiB, default 2048] [ROUNDS, default 3] [MTU, default 65521] [WARMUP MiB, default 4096]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MIB="${1:-2048}"
ROUNDS="${2:-3}"
MTU="${3:-65521}"
WARMUP="${4:-4096}"
PORT=7007
NAME=bench-stream-echo
# shellcheck source=scripts/echo-bench-lib.sh
. "$ROOT/scripts/echo-bench-lib.sh"
echo_bench_init
gcc -O2 -Wall -o "$TMP/bulk" "$ROOT/apps/src/main/c/bulk.c"

measure() { # NETNS LABEL
  ip netns exec "$1" "$TMP/bulk" client echo 10.0.0.2 "$PORT" $((WARMUP * 1048576)) >/dev/null
  local out mbps
  out="$(ip netns exec "$1" "$TMP/bulk" client echo 10.0.0.2 "$PORT" $((MIB * 1048576)) 2>&1)" \
    || { echo "bench-stream-echo: $2: $out" >&2; return 1; }
  mbps="$(sed -n 's/^bytes=\([0-9]*\) seconds=\([0-9.]*\)$/\1 \2/p' <<<"$out" | awk '{printf "%.1f", $1 / 1e6 / $2}')"
  [ -n "$mbps" ] || { echo "bench-stream-echo: $2: $out" >&2; return 1; }
  printf '  %-34s %8s MB/s\n' "$2" "$mbps"
  echo "$2|$mbps" >>"$TMP/figures"
}
veth_pair

echo "stream echo: $MIB MiB through the Netty echo server on one connection after $WARMUP MiB unmeasured, MTU $MTU, $ROUNDS rounds; $(nproc) CPUs, $(uname -r)"
for round in $(seq "$ROUNDS"); do
  echo "round $round"
  if [ $((round % 2)) -eq 1 ]; then run_linux; run_tapwire; else run_tapwire; run_linux; fi
  run_floor block
  run_floor spin
done

linux="$(median_of "Linux, Netty echo (veth)")"
tapwire="$(median_of "tapwire run, Netty echo (TAP)")"
block="$(median_of "C floor on the TAP (block)")"
spin="$(median_of "C floor on the TAP (spin)")"
awk -v l="$linux" -v t="$tapwire" -v b="$block" -v s="$spin" 'BEGIN {
  printf "medians: Linux %.1f MB/s, tapwire %.1f MB/s; ratio tapwire/Linux %.2f\n", l, t, t / l
  printf "C floor on the TAP: blocking %.1f MB/s (%.2fx of Linux), busy-polled %.1f MB/s (%.2fx)\n", b, b / l, s, s / l }'
