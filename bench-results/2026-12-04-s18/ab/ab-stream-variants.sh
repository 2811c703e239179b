#!/usr/bin/env bash
# A/B of the streaming echo: the Netty server under tapwire run in several variants (each a label and
# the JVM options it runs with), and the same server on the kernel, the order reversed every other
# round. Session 18 ran it (as three copies of session 17's ab-stream.sh, one per line) as:
#   ab-stream-variants.sh 2048 3 65521 4096 spin50= spin200=-Dtapwire.stack.busyPollNanos=200000
#     (before b49775f made 200 us the default)
#   ab-stream-variants.sh 2048 3 65521 4096 sel0= sel20=-Dtapwire.nio.selectSpinNanos=20000 sel100=-Dtapwire.nio.selectSpinNanos=100000
#   ab-stream-variants.sh 2048 2 65521 4096 r128k= r512k=-Dtapwire.x.rmem=524288 r1m=-Dtapwire.x.rmem=1048576 r2m=-Dtapwire.x.rmem=2097152
# (the last two with throwaway patches that read those properties; neither was kept).
set -euo pipefail
ROOT=/work/main
MIB="$1"; ROUNDS="$2"; MTU="$3"; WARMUP="$4"; shift 4
VARIANTS=("$@")
PORT=7007; NAME=ab-variants
. "$ROOT/scripts/echo-bench-lib.sh"
echo_bench_init
gcc -O2 -Wall -o "$TMP/bulk" "$ROOT/apps/src/main/c/bulk.c"
measure() { # NETNS LABEL
  ip netns exec "$1" "$TMP/bulk" client echo 10.0.0.2 "$PORT" $((WARMUP * 1048576)) >/dev/null
  local out mbps
  out="$(ip netns exec "$1" "$TMP/bulk" client echo 10.0.0.2 "$PORT" $((MIB * 1048576)) 2>&1)" || { echo "$2: $out" >&2; return 1; }
  mbps="$(sed -n 's/^bytes=\([0-9]*\) seconds=\([0-9.]*\)$/\1 \2/p' <<<"$out" | awk '{printf "%.1f", $1 / 1e6 / $2}')"
  printf '  %-34s %8s MB/s\n' "$2" "$mbps"
  echo "$2|$mbps" >>"$TMP/figures"
}
run_variant() { # LABEL=JAVA_OPTS
  tap_ns
  ip netns exec "$NS" env JAVA_TOOL_OPTIONS="${1#*=}" "$ROOT/tapwire" run --tap tap0 --addr 10.0.0.2/24 --mtu "$MTU" --classpath "$CP" -- \
    io.tapwire.apps.nio.NettyEchoServerMain "$PORT" >"$TMP/run.log" 2>&1 & PID=$!
  await_port "$NS" || { cat "$TMP/run.log" >&2; exit 1; }
  measure "$NS" "${1%%=*}"
  stop_server; ip netns del "$NS"
}
veth_pair
echo "A/B stream echo $MIB MiB, warm-up $WARMUP, MTU $MTU, $ROUNDS rounds: ${VARIANTS[*]}"
for round in $(seq "$ROUNDS"); do
  echo "round $round"
  if [ $((round % 2)) -eq 1 ]; then
    run_linux; for v in "${VARIANTS[@]}"; do run_variant "$v"; done
  else
    for ((i = ${#VARIANTS[@]} - 1; i >= 0; i--)); do run_variant "${VARIANTS[$i]}"; done; run_linux
  fi
done
echo "median Linux: $(median_of "Linux, Netty echo (veth)")"
for v in "${VARIANTS[@]}"; do echo "median ${v%%=*}: $(median_of "${v%%=*}")"; done
