#!/usr/bin/env bash
# The soak of issue 11: mixed load against one tapwire stack in a private network namespace for
# MINUTES (default 30): HTTP keep-alive (ab -k) and new connections (curl), echo (tapwire load),
# bulk (nc to discard and from the byte source), low-rate floods (hping3), ping, with loss in the
# fault injector. Samples heap after GC, direct buffers, pooled ring buffers, connections by state,
# open descriptors and threads every 10 s, and writes soak.csv, soak.html (the charts) and
# summary.txt to OUT (default bench-results/soak-<date>-<time>).
#
#   sudo scripts/soak.sh            # 30 minutes
#   sudo scripts/soak.sh 5 /tmp/s   # 5 minutes, into /tmp/s
#
# Not part of CI. Needs root (namespaces, TAP). Ctrl-C stops it: the namespace and every load
# process go with it, and the report is written from the samples taken so far. Extra options go
# to 'tapwire soak' through SOAK_ARGS, e.g. SOAK_ARGS='--loss 0.01 --sample-seconds 5'.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MINUTES="${1:-30}"
OUT="${2:-$ROOT/bench-results/soak-$(date +%Y%m%d-%H%M%S)}"

if [ "$(id -u)" -ne 0 ]; then
  echo "soak: needs root for the network namespace and the TAP: sudo $0 $*" >&2
  exit 2
fi
"$ROOT/scripts/install-deps.sh" >&2
# shellcheck disable=SC2086
exec "$ROOT/tapwire" soak --minutes "$MINUTES" --out "$OUT" ${SOAK_ARGS:-}
