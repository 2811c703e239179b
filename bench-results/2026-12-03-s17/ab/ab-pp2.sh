#!/usr/bin/env bash
# A/B: 64 KiB ping-pong echo (tapwire load -c 1), tapwire gather on/off and Linux, alternating.
set -euo pipefail
ROOT=/work/main
ECHOES="${1:-3000}"; ROUNDS="${2:-3}"; MTU="${3:-1500}"; WARMUP="${4:-20000}"; SIZE=65536
PORT=7007; NAME=ab-pp
. "$ROOT/scripts/echo-bench-lib.sh"
echo_bench_init
measure() {
  local out ms mbps p50
  out="$(ip netns exec "$1" "$ROOT/tapwire" load --host 10.0.0.2 -p "$PORT" -t 1 -c 1 -n "$ECHOES" -s "$SIZE" --warmup "$WARMUP" 2>&1)"
  ms="$(sed -n 's/^success: [0-9]*, failed: 0, time_used: \([0-9]*\),.*/\1/p' <<<"$out")"
  [ -n "$ms" ] || { echo "$2: $out" >&2; return 1; }
  mbps="$(awk -v n="$ECHOES" -v s="$SIZE" -v ms="$ms" 'BEGIN {printf "%.1f", n * s / 1e6 / (ms / 1000)}')"
  p50="$(sed -n 's/^latency: p50 \([0-9.]*\) us.*/\1/p' <<<"$out")"
  printf "  %-12s %8s MB/s  %s\n" "$2" "$mbps" "$(grep "^latency" <<<"$out")"
  echo "$2|$mbps" >>"$TMP/figures"
}
run_tw() {
  tap_ns
  ip netns exec "$NS" env JAVA_TOOL_OPTIONS="${2:-}" "$ROOT/tapwire" run --tap tap0 --addr 10.0.0.2/24 --mtu "$MTU" --classpath "$CP" -- \
    io.tapwire.apps.nio.NettyEchoServerMain "$PORT" >"$TMP/run.log" 2>&1 & PID=$!
  await_port "$NS" || { cat "$TMP/run.log" >&2; exit 1; }
  measure "$NS" "$1"
  stop_server; cp "$TMP/run.log" "/work/ab/run-$1.log"; ip netns del "$NS"
}
veth_pair
echo "A/B ping-pong $ECHOES x $SIZE, warm-up $WARMUP, MTU $MTU, $ROUNDS rounds"
for round in $(seq "$ROUNDS"); do
  echo "round $round"
  run_tw "zero-copy" ""; run_tw "gather" "-Dtapwire.rxPlacement=false"
done
