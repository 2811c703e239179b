#!/usr/bin/env bash
# The floor of ping over a TAP on this machine, beside tapwire and Linux: ping p50/p90 (1 ms apart,
# after 20,000 unmeasured ones 0.2 ms apart) against (1) apps/src/main/c/tap_ping_floor.c, a
# busy-polled TAP answering only ARP and ICMP, (2) tapwire up --busy-poll 2000, (3) the Linux kernel
# over a veth pair. Each in a private network namespace, deleted afterwards. Needs root, gcc and
# Maven (the launcher builds the jar).
#   sudo scripts/bench-ping-floor.sh [PINGS, default 2000] [ROUNDS, default 3]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PINGS="${1:-2000}"
ROUNDS="${2:-3}"
[ "$(id -u)" -eq 0 ] || { echo "bench-ping-floor: needs root (network namespaces, TAP)" >&2; exit 2; }
"$ROOT/scripts/install-deps.sh" >&2
TMP="$(mktemp -d)"
NS="tw-pingfloor-$$"
NV="tw-pingveth-$$"
NP="tw-pingpeer-$$"
PID=""
cleanup() {
  [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  for n in "$NS" "$NV" "$NP"; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
gcc -O2 -Wall -o "$TMP/tap_ping_floor" "$ROOT/apps/src/main/c/tap_ping_floor.c"

percentiles() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) {print "no replies"; exit} printf "p50 %.3f  p90 %.3f  (%d replies)\n", a[int(NR/2)+1], a[int(NR*0.9)+1], NR}'; }
measure() { # NETNS LABEL
  ip netns exec "$1" ping -q -c 20000 -i 0.0002 10.0.0.2 >/dev/null
  printf '  %-28s ms %s\n' "$2" "$(ip netns exec "$1" ping -n -c "$PINGS" -i 0.001 10.0.0.2 | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | percentiles)"
}
tap_side() { # NETNS: the host address on tap0
  for _ in $(seq 100); do ip netns exec "$1" ip link show tap0 >/dev/null 2>&1 && break; sleep 0.05; done
  ip netns exec "$1" ip addr add 10.0.0.1/24 dev tap0
  ip netns exec "$1" ip link set tap0 up
}

ip netns add "$NV"; ip netns add "$NP"
ip link add va netns "$NV" type veth peer name vb netns "$NP"
ip netns exec "$NV" ip addr add 10.0.0.1/24 dev va; ip netns exec "$NV" ip link set va up
ip netns exec "$NP" ip addr add 10.0.0.2/24 dev vb; ip netns exec "$NP" ip link set vb up

echo "ping floor: $PINGS pings 1 ms apart per figure, $ROUNDS rounds; $(nproc) CPUs, $(uname -r)"
for round in $(seq "$ROUNDS"); do
  echo "round $round"
  ip netns add "$NS"
  ip netns exec "$NS" "$TMP/tap_ping_floor" tap0 2>/dev/null & PID=$!
  tap_side "$NS"
  measure "$NS" "C busy-poll TAP (floor)"
  kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  ip netns del "$NS"

  ip netns add "$NS"
  "$ROOT/tapwire" up --netns "$NS" --busy-poll 2000 >"$TMP/up.log" 2>&1 & PID=$! # the launcher builds the jar if needed, then execs java
  tap_side "$NS"
  for _ in $(seq 100); do ip netns exec "$NS" ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1 && break; sleep 0.1; done
  measure "$NS" "tapwire --busy-poll 2000"
  kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  ip netns del "$NS"

  measure "$NV" "Linux (veth)"
done
