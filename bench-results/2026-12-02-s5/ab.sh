#!/usr/bin/env bash
# A/B harness of session 5 (PERF): the Netty echo server of the integration tests under
# 'tapwire run' behind a TAP in a private namespace, driven by 'tapwire load' from that namespace;
# reports the load result and the tapwire process's CPU (user+sys from /proc/PID/stat) and context
# switches (all its threads) per request. Usage (root):
#   ab.sh JAR LABEL N SIZE THREADS CONNS [extra 'tapwire run' options...]
# JAR: a tapwire.jar (copy each variant aside to interleave A and B runs).
set -euo pipefail
JAR=$1; LABEL=$2; N=$3; SIZE=$4; T=$5; C=$6; shift 6
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
VERSION="$(sed -n 's:.*<netty.version>\(.*\)</netty.version>.*:\1:p' "$ROOT/apps/pom.xml")"
CP="${ECHO_CLASSES:-$ROOT/apps/target/test-classes}"
for a in netty-common netty-buffer netty-resolver netty-transport; do CP="$CP:$HOME/.m2/repository/io/netty/$a/$VERSION/$a-$VERSION.jar"; done
NS=perfab$$
cleanup() { [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null; sleep 0.3; ip netns del "$NS" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" tuntap add dev tap0 mode tap
ip -n "$NS" addr add 10.0.0.1/24 dev tap0
ip -n "$NS" link set tap0 up
ip netns exec "$NS" timeout 300 "$JAVA" ${JOPTS:-} -jar "$JAR" run --tap tap0 --addr 10.0.0.2/24 "$@" --classpath "$CP" -- io.tapwire.apps.nio.NettyEchoServerMain 7007 >/tmp/$NS.server.log 2>&1 &
PID=$!
sleep 0.5; JPID=$(pgrep -P "$PID" | head -1)
for i in $(seq 1 100); do ip netns exec "$NS" nc -z -w 1 10.0.0.2 7007 2>/dev/null && break; sleep 0.2; done
# warm-up run (JIT), not measured
ip netns exec "$NS" "$JAVA" -jar "$JAR" load --host 10.0.0.2 -p 7007 -t "$T" -c "$C" -n "${WARM:-$((N/2))}" -s "$SIZE" --warmup "$((N/10+1))" >/dev/null 2>&1
cpu() { awk '{print $14+$15}' /proc/$JPID/stat; }
ctx() { local s=0; for f in /proc/$JPID/task/*/status; do s=$((s + $(awk '/^voluntary_ctxt_switches/{v=$2} /^nonvoluntary_ctxt_switches/{n=$2} END{print v+n}' "$f"))); done; echo $s; }
if [ -n "${PCAP:-}" ]; then ip netns exec "$NS" tcpdump -i tap0 -s 128 -w "$PCAP" -c "${PCAP_COUNT:-20000}" tcp port 7007 2>/dev/null & DUMP=$!; sleep 1; fi
[ -n "${JFR:-}" ] && /usr/lib/jvm/temurin-25-jdk-amd64/bin/jcmd $JPID JFR.start name=ab settings=profile filename="$JFR" >/dev/null
[ -n "${PERF:-}" ] && { perf record ${PERF_EV:--F 4999} -g -p $JPID -o "$PERF" >/dev/null 2>&1 & PERFPID=$!; sleep 0.5; }
[ -n "${PSTAT:-}" ] && { perf ${PSTAT_CMD:-stat --per-thread -e raw_syscalls:sys_enter,context-switches,task-clock} -p $JPID -o /tmp/$NS.pstat >/dev/null 2>&1 & PSPID=$!; sleep 0.5; }
c0=$(cpu); x0=$(ctx)
threads() { for f in /proc/$JPID/task/*; do echo "$(basename $f):$(cat $f/comm | tr " " _) $(awk '{print $14+$15}' $f/stat) $(awk '/^voluntary_ctxt_switches/{v=$2} /^nonvoluntary_ctxt_switches/{n=$2} END{print v+n}' $f/status)"; done | sort; }
threads > /tmp/$NS.t0
OUT=$(ip netns exec "$NS" "$JAVA" -jar "$JAR" load --host 10.0.0.2 -p 7007 -t "$T" -c "$C" -n "$N" -s "$SIZE" --warmup 1 2>&1)
c1=$(cpu); x1=$(ctx)
threads > /tmp/$NS.t1
[ -n "${PSTAT:-}" ] && { kill -INT $PSPID; wait $PSPID || true; awk -v n="$N" '$1 ~ /tapwire|nioEventLoop/ && $2+0>0 {gsub(",","",$2); printf "    %-24s %-22s %.2f /req\n", $1, $3, $2/n}' /tmp/$NS.pstat | grep -v "^ *$" || true; cp /tmp/$NS.pstat "${PSTAT_KEEP:-/dev/null}"; rm -f /tmp/$NS.pstat; }
[ -n "${PERF:-}" ] && { kill -INT $PERFPID; wait $PERFPID || true; /usr/lib/jvm/temurin-25-jdk-amd64/bin/jcmd $JPID Compiler.perfmap >/dev/null; }
[ -n "${JFR:-}" ] && /usr/lib/jvm/temurin-25-jdk-amd64/bin/jcmd $JPID JFR.stop name=ab >/dev/null
[ -n "${DUMP:-}" ] && { kill $DUMP 2>/dev/null; wait $DUMP 2>/dev/null || true; }
HZ=$(getconf CLK_TCK)
RES=$(echo "$OUT" | grep -E '^success:' | head -1)
LAT=$(echo "$OUT" | grep -E '^latency:' | head -1)
awk -v l="$LABEL" -v n="$N" -v c=$((c1-c0)) -v hz="$HZ" -v x=$((x1-x0)) -v r="$RES" -v lat="$LAT" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
  'BEGIN{printf "%-10s %s | %s | cpu %.1f us/req, ctxsw %.2f/req, load %s\n", l, r, lat, c*1e6/hz/n, x/n, load}'
if [ -n "${THREADS:-}" ]; then join /tmp/$NS.t0 /tmp/$NS.t1 | awk -v n="$N" -v hz="$HZ" '{c=($4-$2)*1e6/hz/n; x=($5-$3)/n; if (c>0||x>0.01) printf "    %-28s cpu %.1f us/req ctxsw %.2f/req\n", $1, c, x}'; fi
rm -f /tmp/$NS.t0 /tmp/$NS.t1
