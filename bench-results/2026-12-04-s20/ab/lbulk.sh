#!/usr/bin/env bash
# The bulk phase against the kernel's Netty server (veth); samples ss on the client side.
set -euo pipefail
ROOT=${ROOT:-/work/main}
MTU="${1:-1500}"; N="${2:-10000}"; WARM="${3:-20000}"
PORT=7007; NAME=ab3-lbulk
. "$ROOT/scripts/echo-bench-lib.sh"
echo_bench_init
veth_pair
ip netns exec "$NP" "$JAVA" -cp "$CP" io.tapwire.apps.nio.NettyEchoServerMain "$PORT" >"$TMP/netty.log" 2>&1 & PID=$!
await_port "$NV"
if [ -n "${HRT:-}" ]; then (sleep 6; perf record -e timer:hrtimer_expire_entry -e timer:hrtimer_start -a -o /work/ab3/$HRT.data -- sleep 1 >/dev/null 2>&1) & fi
if [ -n "${DUMP:-}" ]; then (sleep 5; ip netns exec "$NP" timeout 20 tcpdump -nn -i vb -c ${DUMPN:-400} -w /work/ab3/$DUMP.pcap 2>/dev/null) & fi
if [ -n "${SS:-}" ]; then (sleep 5; for i in $(seq 1500); do ip netns exec "$NV" ss -tinH dst 10.0.0.2:7007; done > /work/ab3/$SS.txt 2>&1) & fi
ip netns exec "$NV" "$ROOT/tapwire" load --host 10.0.0.2 -p "$PORT" -t 1 -c 1 -s ${SIZE:-65536} -n "$N" --warmup "$WARM" 2>&1 | grep -v "^\[" | tail -3
stop_server
