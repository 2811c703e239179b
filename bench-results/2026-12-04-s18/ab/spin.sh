#!/usr/bin/env bash
# 64 KiB ping-pong on tapwire: default adaptive spin vs fixed busy-poll budgets.
set -euo pipefail
ROOT=/work/main
MTU="${1:-1500}"; ECHOES="${2:-5000}"; ROUNDS="${3:-2}"; WARMUP=20000; SIZE=65536
PORT=7007; NAME=ab-spin
. "$ROOT/scripts/echo-bench-lib.sh"
echo_bench_init
run() { # LABEL [run args]
  local label="$1"; shift
  tap_ns
  ip netns exec "$NS" env JAVA_TOOL_OPTIONS="${JOPTS:-}" "$ROOT/tapwire" run --tap tap0 --addr 10.0.0.2/24 --mtu "$MTU" "$@" --classpath "$CP" -- \
    io.tapwire.apps.nio.NettyEchoServerMain "$PORT" >"$TMP/run.log" 2>&1 & PID=$!
  await_port "$NS" || { cat "$TMP/run.log" >&2; exit 1; }
  out="$(ip netns exec "$NS" "$ROOT/tapwire" load --host 10.0.0.2 -p "$PORT" -t 1 -c 1 -n "$ECHOES" -s "$SIZE" --warmup "$WARMUP" 2>&1 | grep -v '^\[')"
  printf '%-10s %s | %s\n' "$label" "$(grep success <<<"$out" | sed 's/.*qps/qps/')" "$(grep latency <<<"$out")"
  stop_server
  grep -o "woken by.*" "$TMP/run.log" | head -1
  ip netns del "$NS"
}
for r in $(seq "$ROUNDS"); do
  JOPTS= run default; JOPTS="-Dtapwire.stack.pause=false" run nopause; JOPTS="-Dtapwire.stack.busyPollGapNanos=0" run gap0
done
