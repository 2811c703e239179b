#!/usr/bin/env bash
# JMH benchmarks of the hot path, stage by stage (the jmh module; README "JMH benchmarks"): parse,
# checksum, demultiplexing among 1 to 100,000 connections, TCP input, TCP output, echo round trip.
# Short settings (one fork, 3 x 1 s warm-up, 5 x 1 s measurement) with the allocation profiler
# (-prof gc: gc.alloc.rate.norm is bytes allocated per operation).
#
#   scripts/jmh.sh [JMH_ARGS...]      e.g. scripts/jmh.sh DemuxBenchmark -p connections=1000
#
# Writes JMH's JSON to bench-results/jmh/<date>.json and a table (ns/op, ops/s, B/op, bytes/s for
# the checksum) with the load average before and after to bench-results/jmh/<date>.txt.
# Environment: JMH_SETTINGS (default "-f 1 -wi 3 -i 5 -w 1s -r 1s"; JMH refuses an option given
# twice, so change these here, not in the arguments), JMH_OUT (the JSON file), JAVA (the java to
# run, default java on the PATH), JMH_MAVEN_ARGS (extra Maven arguments, e.g. -o), JMH_NO_BUILD=1
# (use the existing jmh/target/benchmarks.jar). The arguments go to JMH: benchmark patterns, -p.
# The machine should be otherwise idle: on a busy one the figures measure the neighbours.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out="${JMH_OUT:-bench-results/jmh/$(date -u +%Y-%m-%d).json}"
table="${out%.json}.txt"
mkdir -p "$(dirname "$out")"
if [[ "${JMH_NO_BUILD:-0}" != 1 ]]; then
  # shellcheck disable=SC2086
  mvn -B -q ${JMH_MAVEN_ARGS:-} -pl jmh -am package -DskipTests -Dtapwire.fuzz.skip=true
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
"${JAVA:-java}" -jar jmh/target/benchmarks.jar ${JMH_SETTINGS:--f 1 -wi 3 -i 5 -w 1s -r 1s} -prof gc -rf json -rff "$out" "$@"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$out" "$load_before" "$load_after" <<'PY' | tee "$table"
import json, sys
path, before, after = sys.argv[1:4]
runs = json.load(open(path))
print(f"JMH {runs[0]['jmhVersion']} on {runs[0]['vmName']} {runs[0]['jdkVersion']}; "
      f"load average before {before}, after {after}")
rows = [("benchmark", "params", "ns/op", "+-", "ops/s", "B/op", "bytes/s")]
for r in runs:
    name = r["benchmark"].removeprefix("io.tapwire.jmh.")
    params = " ".join(f"{k}={v}" for k, v in (r.get("params") or {}).items())
    m = r["primaryMetric"]
    ns = m["score"]
    unit = m["scoreUnit"]
    if unit != "ns/op":
        raise SystemExit(f"{name}: expected ns/op, got {unit}")
    err = m.get("scoreError")
    # One iteration has no error bar: JMH writes "NaN".
    err = f"{err:.1f}" if isinstance(err, (int, float)) and err == err else ""
    alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
    alloc = "" if alloc is None else f"{alloc:.2f}"
    size = (r.get("params") or {}).get("size")
    bps = f"{int(size) * 1e9 / ns:.3g}" if name.startswith("ChecksumBenchmark") and size else ""
    rows.append((name, params, f"{ns:.1f}", err, f"{1e9 / ns:,.0f}", alloc, bps))
widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
for row in rows:
    print("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))
PY
echo "jmh.sh: JSON in $out, table in $table"
