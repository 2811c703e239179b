#!/usr/bin/env bash
# One Netty stream under tapwire run; prints the exit report (TAP counters, wakeups).
set -euo pipefail
ROOT=${ROOT:-/work/main}
MIB="${1:-2048}"; MTU="${2:-65521}"; WARMUP="${3:-4096}"; shift 3 || true
PORT=7007; NAME=ab3-nstat
. "$ROOT/scripts/echo-bench-lib.sh"
echo_bench_init
gcc -O2 -Wall -o "$TMP/bulk" "$ROOT/apps/src/main/c/bulk.c"
tap_ns
if [ "${MODE:-netty}" = up ]; then
ip netns exec "$NS" env JAVA_TOOL_OPTIONS="${JOPTS:-}" "$ROOT/tapwire" up --tap tap0 --addr 10.0.0.2/24 --mtu "$MTU" --control /tmp/ab3-up.sock >"$TMP/run.log" 2>&1 & PID=$!
PORT=7
else
ip netns exec "$NS" env JAVA_TOOL_OPTIONS="${JOPTS:-}" "$ROOT/tapwire" run --tap tap0 --addr 10.0.0.2/24 --mtu "$MTU" --classpath "$CP" -- \
    io.tapwire.apps.nio.NettyEchoServerMain "$PORT" >"$TMP/run.log" 2>&1 & PID=$!
fi
await_port "$NS" || { cat "$TMP/run.log" >&2; exit 1; }
if [ -n "${DUMP0:-}" ]; then (ip netns exec "$NS" timeout 20 tcpdump -nn -i tap0 -c 400 -w /work/ab3/$DUMP0.pcap 2>/dev/null) & sleep 1; fi
ip netns exec "$NS" "$TMP/bulk" client echo 10.0.0.2 "$PORT" $((WARMUP * 1048576)) >/dev/null
if [ -n "${PSTAT:-}" ]; then (sleep 2; J=$(pgrep -f "tapwire.jar run" | head -1); perf stat -e ${PEV:-raw_syscalls:sys_enter,context-switches,task-clock} --per-thread -p $J -o /work/ab3/$PSTAT.txt -- sleep 3 >/dev/null 2>&1) & fi
if [ -n "${PREC:-}" ]; then (sleep 2; perf record -F 1999 -g -a -o /work/ab3/$PREC.data -- sleep 3 >/dev/null 2>&1) & fi
if [ -n "${DUMP:-}" ]; then (sleep 2; ip netns exec "$NS" timeout 20 tcpdump -nn -i tap0 -c 6000 -w /work/ab3/$DUMP.pcap 2>/dev/null) & fi
out="$(ip netns exec "$NS" "$TMP/bulk" client echo 10.0.0.2 "$PORT" $((MIB * 1048576)) 2>&1)"
echo "$out" | sed -n 's/^bytes=\([0-9]*\) seconds=\([0-9.]*\)$/\1 \2/p' | awk '{printf "MB/s %.1f\n", $1 / 1e6 / $2}'
ip netns exec "$NS" ip -s link show tap0 | sed -n "3,6p"
if [ "${MODE:-netty}" = up ]; then ip netns exec "$NS" "$ROOT/tapwire" nstat -a --control /tmp/ab3-up.sock 2>&1 | grep -i "drop\|prune\|retrans\|ofo\|loss\|Collapse\|Memory\|Pressure\|Sack\|Rcv" | head -40; fi
stop_server; sleep 0.5
grep -v "^\[" "$TMP/run.log" | tail -8
ip netns del "$NS"
