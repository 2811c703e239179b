#!/usr/bin/env bash
# Issue 12's benchmark: the same unmodified Netty 4.1 NIO echo server (the one of the integration
# tests, io.tapwire.apps.nio.NettyEchoServerMain) on the Linux kernel and on tapwire (tapwire run),
# echo QPS and bulk, as tapwire/Linux ratios from one run ('tapwire bench java-echo').
#
#   sudo scripts/bench-netty-echo.sh                      # defaults: load -t 8 -c 16 -n 200000
#   sudo scripts/bench-netty-echo.sh -n 20000 --bulk-requests 200   # a short smoke run
#
# Extra arguments go to 'tapwire bench java-echo'. Not part of CI. Needs root (namespaces, TAP)
# and Netty in ~/.m2 (any Maven build of apps' tests fetches it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "$(id -u)" -ne 0 ]; then
  echo "bench-netty-echo: needs root for the network namespaces and the TAP: sudo $0 $*" >&2
  exit 2
fi
"$ROOT/scripts/install-deps.sh" >&2
# The echo server's class is in apps' test classes; build them (and the jar, via the launcher).
CP="$("$ROOT/scripts/netty-echo-classpath.sh" bench-netty-echo)"
exec "$ROOT/tapwire" bench java-echo --classpath "$CP" --port 7007 "$@" -- io.tapwire.apps.nio.NettyEchoServerMain 7007
