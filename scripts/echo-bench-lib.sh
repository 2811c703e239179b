# Shared by scripts/bench-echo-floor.sh and scripts/bench-stream-echo.sh (sourced, not run): the
# checks and builds both need, their three private network namespaces (NS for the TAP side, NV and
# NP for the two ends of a veth pair, 10.0.0.1 and 10.0.0.2, MTU on both), the one server process
# they run at a time, and the cleanup that stops it and deletes the namespaces on any exit.
# The caller sets ROOT, NAME (messages and namespace names), MTU and PORT, defines
# measure NETNS LABEL (its client against 10.0.0.2:PORT from NETNS), then calls echo_bench_init;
# run_floor, run_tapwire and run_linux each start one server, measure it and stop it.

echo_bench_init() {
  [ "$(id -u)" -eq 0 ] || { echo "$NAME: needs root (network namespaces, TAP)" >&2; exit 2; }
  "$ROOT/scripts/install-deps.sh" >&2
  CP="$("$ROOT/scripts/netty-echo-classpath.sh" "$NAME")"
  "$ROOT/tapwire" --version >/dev/null # builds the jar if needed
  JAVA="$("$ROOT/scripts/find-java.sh")"
  TMP="$(mktemp -d)"
  NS="tw-$NAME-tap-$$"
  NV="tw-$NAME-veth-$$"
  NP="tw-$NAME-peer-$$"
  PID=""
  trap echo_bench_cleanup EXIT
  gcc -O2 -Wall -o "$TMP/tap_echo_floor" "$ROOT/apps/src/main/c/tap_echo_floor.c"
}

stop_server() {
  if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""; fi
}

echo_bench_cleanup() {
  stop_server
  for n in "$NS" "$NV" "$NP"; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$TMP"
}

await_port() { # NETNS
  for _ in $(seq 300); do ip netns exec "$1" nc -z -w 1 10.0.0.2 "$PORT" 2>/dev/null && return 0; sleep 0.1; done
  echo "$NAME: nothing listened on 10.0.0.2:$PORT" >&2; return 1
}

tap_ns() { # creates $NS with tap0 (as tapwire bench java-echo does)
  ip netns add "$NS"
  ip netns exec "$NS" ip tuntap add dev tap0 mode tap
  ip netns exec "$NS" ip addr add 10.0.0.1/24 dev tap0
  ip netns exec "$NS" ip link set tap0 mtu "$MTU" up
}

veth_pair() { # $NV (10.0.0.1, the client's side) and $NP (10.0.0.2, the kernel's server)
  ip netns add "$NV"; ip netns add "$NP"
  ip link add va netns "$NV" type veth peer name vb netns "$NP"
  ip netns exec "$NV" ip addr add 10.0.0.1/24 dev va; ip netns exec "$NV" ip link set va mtu "$MTU" up
  ip netns exec "$NP" ip addr add 10.0.0.2/24 dev vb; ip netns exec "$NP" ip link set vb mtu "$MTU" up
}

median_of() { # LABEL: the median of the figures recorded under LABEL in $TMP/figures
  awk -F'|' -v l="$1" '$1 == l {print $2}' "$TMP/figures" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

run_floor() { # block|spin: the C floor on a fresh TAP
  tap_ns
  ip netns exec "$NS" "$TMP/tap_echo_floor" tap0 "$1" 2>/dev/null & PID=$!
  await_port "$NS"
  measure "$NS" "C floor on the TAP ($1)"
  stop_server; ip netns del "$NS"
}

run_tapwire() { # the Netty echo server under tapwire run, on a fresh TAP
  tap_ns
  ip netns exec "$NS" "$ROOT/tapwire" run --tap tap0 --addr 10.0.0.2/24 --mtu "$MTU" --classpath "$CP" -- \
    io.tapwire.apps.nio.NettyEchoServerMain "$PORT" >"$TMP/run.log" 2>&1 & PID=$!
  await_port "$NS" || { cat "$TMP/run.log" >&2; exit 1; }
  measure "$NS" "tapwire run, Netty echo (TAP)"
  stop_server; ip netns del "$NS"
}

run_linux() { # the same server on the kernel, in $NP, measured from $NV (veth_pair first)
  ip netns exec "$NP" "$JAVA" -cp "$CP" io.tapwire.apps.nio.NettyEchoServerMain "$PORT" >"$TMP/netty.log" 2>&1 & PID=$!
  await_port "$NV" || { cat "$TMP/netty.log" >&2; exit 1; }
  measure "$NV" "Linux, Netty echo (veth)"
  stop_server
}
