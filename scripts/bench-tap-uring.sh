#!/usr/bin/env bash
# What one frame costs on a TAP descriptor: a read/write system call per frame (tapwire's
# TapDevice) against io_uring with QD operations in flight (apps/src/main/c/tapring.c, liburing).
# RX: Linux floods UDP at 10.0.0.2 through the TAP (static neighbour entry); TX: tapring writes
# 1514-byte UDP frames to Linux. Prints frames per second and CPU microseconds per frame of the
# TAP side. Runs in a private network namespace, deleted afterwards. Needs root, gcc, liburing-dev.
#   sudo scripts/bench-tap-uring.sh [SECONDS per run, default 3] [REPEAT, default 2]
#   MODES="tx-write tx-uring:2" sudo -E scripts/bench-tap-uring.sh   # chosen modes (MODE[:QD])
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_RUN="${1:-3}"
REPEAT="${2:-2}"
[ "$(id -u)" -eq 0 ] || { echo "bench-tap-uring: needs root (network namespace, TAP)" >&2; exit 2; }
"$ROOT/scripts/install-deps.sh" >&2
TMP="$(mktemp -d)"
NS="tw-tapring-$$"
cleanup() {
  ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
gcc -O2 -Wall -o "$TMP/tapring" "$ROOT/apps/src/main/c/tapring.c" -luring
ip netns add "$NS"
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip link set lo up
in_ns ip tuntap add dev tap0 mode tap
in_ns ip link set tap0 address 02:00:00:00:00:01
in_ns ip addr add 10.0.0.1/24 dev tap0
in_ns ip link set tap0 up
in_ns ip neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev tap0 nud permanent
echo "tapring: $(uname -r), $(nproc) CPUs, ${SECONDS_PER_RUN} s per run"
for r in $(seq "$REPEAT"); do
  for mode in ${MODES:-rx-read rx-uring:4 rx-uring:32 tx-write tx-uring:4 tx-uring:32}; do
    set -- ${mode/:/ }
    if [ "$1" = "${1#rx}" ]; then
      in_ns "$TMP/tapring" "$1" tap0 "$SECONDS_PER_RUN" "${2:-1}"
    else
      in_ns "$TMP/tapring" "$1" tap0 "$SECONDS_PER_RUN" "${2:-1}" &
      reader=$!
      sleep 0.3
      in_ns "$TMP/tapring" flood 10.0.0.2 "$((SECONDS_PER_RUN + 2))" &
      flood=$!
      wait "$reader"
      wait "$flood" || true
    fi
  done
done
