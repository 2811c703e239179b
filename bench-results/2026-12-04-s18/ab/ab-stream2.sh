#!/usr/bin/env bash
# A/B: tapwire streaming echo with TX gather on and off, and Linux, alternating.
set -euo pipefail
ROOT=/work/main
MIB="${1:-2048}"; ROUNDS="${2:-3}"; MTU="${3:-65521}"; WARMUP="${4:-4096}"
PORT=7007; NAME=ab-stream2
. "$ROOT/scripts/echo-bench-lib.sh"
echo_bench_init
gcc -O2 -Wall -o "$TMP/bulk" "$ROOT/apps/src/main/c/bulk.c"
measure() {
  ip netns exec "$1" "$TMP/bulk" client echo 10.0.0.2 "$PORT" $((WARMUP * 1048576)) >/dev/null
  local out mbps
  out="$(ip netns exec "$1" "$TMP/bulk" client echo 10.0.0.2 "$PORT" $((MIB * 1048576)) 2>&1)" || { echo "$2: $out" >&2; return 1; }
  mbps="$(sed -n 's/^bytes=\([0-9]*\) seconds=\([0-9.]*\)$/\1 \2/p' <<<"$out" | awk '{printf "%.1f", $1 / 1e6 / $2}')"
  printf '  %-34s %8s MB/s\n' "$2" "$mbps"
  echo "$2|$mbps" >>"$TMP/figures"
}
run_tw() { # LABEL [java opts]
  tap_ns
  JAVA_TOOL_OPTIONS="${2:-}" ip netns exec "$NS" env JAVA_TOOL_OPTIONS="${2:-}" "$ROOT/tapwire" run --tap tap0 --addr 10.0.0.2/24 --mtu "$MTU" --classpath "$CP" -- \
    io.tapwire.apps.nio.NettyEchoServerMain "$PORT" >"$TMP/run.log" 2>&1 & PID=$!
  await_port "$NS" || { cat "$TMP/run.log" >&2; exit 1; }
  measure "$NS" "$1"
  stop_server; ip netns del "$NS"
}
veth_pair
echo "A/B stream echo $MIB MiB, warm-up $WARMUP, MTU $MTU, $ROUNDS rounds"
for round in $(seq "$ROUNDS"); do
  echo "round $round"
  if [ $((round % 2)) -eq 1 ]; then
    run_linux; run_tw "spin50" ""; run_tw "spin200" "-Dtapwire.stack.busyPollNanos=200000"
  else
    run_tw "spin200" "-Dtapwire.stack.busyPollNanos=200000"; run_tw "spin50" ""; run_linux
  fi
done
l="$(median_of "Linux, Netty echo (veth)")"; a="$(median_of spin50)"; b="$(median_of spin200)"
awk -v l="$l" -v a="$a" -v b="$b" 'BEGIN { printf "medians: Linux %.1f, spin50 %.1f (%.2fx), spin200 %.1f (%.2fx)\n", l, a, a/l, b, b/l }'
