#!/usr/bin/env bash
# Stream echo: tapwire up's own echo (event loop on the stack thread) vs the Netty server under tapwire run, alternating.
set -euo pipefail
ROOT=/work/main
MIB="${1:-2048}"; ROUNDS="${2:-3}"; MTU="${3:-65521}"; WARMUP="${4:-4096}"
PORT=7007; NAME=ab-handoff
. "$ROOT/scripts/echo-bench-lib.sh"
echo_bench_init
gcc -O2 -Wall -o "$TMP/bulk" "$ROOT/apps/src/main/c/bulk.c"
measure() { # NETNS LABEL PORT
  ip netns exec "$1" "$TMP/bulk" client echo 10.0.0.2 "$3" $((WARMUP * 1048576)) >/dev/null
  local out mbps
  out="$(ip netns exec "$1" "$TMP/bulk" client echo 10.0.0.2 "$3" $((MIB * 1048576)) 2>&1)" || { echo "$2: $out" >&2; return 1; }
  mbps="$(sed -n 's/^bytes=\([0-9]*\) seconds=\([0-9.]*\)$/\1 \2/p' <<<"$out" | awk '{printf "%.1f", $1 / 1e6 / $2}')"
  printf '  %-34s %8s MB/s\n' "$2" "$mbps"
  echo "$2|$mbps" >>"$TMP/figures"
}
run_netty() {
  tap_ns
  ip netns exec "$NS" "$ROOT/tapwire" run --tap tap0 --addr 10.0.0.2/24 --mtu "$MTU" --classpath "$CP" -- \
    io.tapwire.apps.nio.NettyEchoServerMain "$PORT" >"$TMP/run.log" 2>&1 & PID=$!
  await_port "$NS" || { cat "$TMP/run.log" >&2; exit 1; }
  measure "$NS" netty "$PORT"
  stop_server; ip netns del "$NS"
}
run_up() {
  tap_ns
  ip netns exec "$NS" "$ROOT/tapwire" up --tap tap0 --addr 10.0.0.2/24 --mtu "$MTU" --no-control >"$TMP/up.log" 2>&1 & PID=$!
  local p=$PORT; PORT=7; await_port "$NS" || { cat "$TMP/up.log" >&2; exit 1; }; PORT=$p
  measure "$NS" up-epoll 7
  stop_server; ip netns del "$NS"
}
for round in $(seq "$ROUNDS"); do
  echo "round $round"
  if [ $((round % 2)) -eq 1 ]; then run_up; run_netty; else run_netty; run_up; fi
done
for v in up-epoll netty; do echo "median $v: $(median_of "$v")"; done
