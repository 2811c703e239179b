#!/usr/bin/env bash
# The bulk phase alone (64 KiB echoes, one connection) against Netty under tapwire run; JOPTS per run.
set -euo pipefail
ROOT=${ROOT:-/work/main}
MTU="${1:-1500}"; N="${2:-5000}"; WARM="${3:-10000}"
PORT=7007; NAME=ab3-bulk
. "$ROOT/scripts/echo-bench-lib.sh"
echo_bench_init
tap_ns
[ -n "${CC:-}" ] && ip netns exec "$NS" sysctl -qw net.ipv4.tcp_congestion_control=$CC
if [ "${MODE:-netty}" = up ]; then
ip netns exec "$NS" env JAVA_TOOL_OPTIONS="${JOPTS:-}" "$ROOT/tapwire" up --tap tap0 --addr 10.0.0.2/24 --mtu "$MTU" --control /tmp/ab3-up.sock >"$TMP/run.log" 2>&1 & PID=$!
PORT=7
else
ip netns exec "$NS" env JAVA_TOOL_OPTIONS="${JOPTS:-}" "$ROOT/tapwire" run --tap tap0 --addr 10.0.0.2/24 --mtu "$MTU" ${PCAPOPT:-} --classpath "$CP" -- \
    io.tapwire.apps.nio.NettyEchoServerMain "$PORT" >"$TMP/run.log" 2>&1 & PID=$!
fi
await_port "$NS" || { cat "$TMP/run.log" >&2; exit 1; }
if [ -n "${SS:-}" ]; then (sleep 5; for i in $(seq 3000); do ip netns exec "$NS" ss -tinH dst 10.0.0.2:7007; done > /work/ab3/$SS.txt 2>&1) & fi
if [ -n "${HRT:-}" ]; then (sleep 6; perf record -e timer:hrtimer_expire_entry -e timer:hrtimer_start -a -o /work/ab3/$HRT.data -- sleep 1 >/dev/null 2>&1) & fi
if [ -n "${PREC:-}" ]; then (sleep 6; perf record -e net:net_dev_xmit -e net:netif_rx -e syscalls:sys_enter_readv -e syscalls:sys_exit_readv -e syscalls:sys_enter_writev -e syscalls:sys_exit_writev -e syscalls:sys_enter_ppoll -e syscalls:sys_exit_ppoll -e syscalls:sys_enter_poll -e syscalls:sys_exit_poll -e syscalls:sys_enter_io_uring_enter -e syscalls:sys_exit_io_uring_enter ${PEXTRA:-} -a -o /work/ab3/$PREC.data -- sleep ${PRECS:-0.3} >/dev/null 2>&1) & fi
if [ -n "${BT:-}" ]; then (sleep 6; timeout 10 bpftrace ${BTS:-/tmp/pace.bt} > /work/ab3/$BT.txt 2>&1) & fi
if [ -n "${SCHED:-}" ]; then (sleep 6; perf sched record -a -o /work/ab3/$SCHED.data -- sleep 1.5 >/dev/null 2>&1) & fi
if [ -n "${DUMP:-}" ]; then (sleep 4; ip netns exec "$NS" timeout 20 tcpdump -nn -i tap0 -c ${DUMPN:-400} -w /work/ab3/$DUMP.pcap 2>/dev/null) & fi
ip netns exec "$NS" "$ROOT/tapwire" load --host 10.0.0.2 -p "$PORT" -t 1 -c 1 -s ${SIZE:-65536} -n "$N" --warmup "$WARM" 2>&1 | grep -v "^\[" | tail -3
if [ "${MODE:-netty}" = up ]; then ip netns exec "$NS" "$ROOT/tapwire" nstat -a --control /tmp/ab3-up.sock 2>&1 | grep -i "retrans\|probe\|loss\|DelayedACK\|Timeout\|Spurious\|DSACK\|Rcvbuf\|Pressure\|Prune\|OFO" | head -20; fi
stop_server; sleep 0.3
grep "doorbell" "$TMP/run.log" || true
ip netns del "$NS"
