#!/usr/bin/env bash
# Coverage-guided fuzzing (Jazzer) of every fuzz target, long: each *FuzzTest class is fuzzed in a
# JVM of its own for SECONDS (default 600), two at a time. `mvn verify` only replays the corpora
# and fuzzes each target for 2 s; this is the long run.
#
#   scripts/fuzz.sh [SECONDS] [CLASS_PATTERN]     e.g. scripts/fuzz.sh 1800 'EstablishedSegmentsFuzzTest'
#
# Environment: FUZZ_FORKS (targets fuzzed at once, default 2), FUZZ_MODULES (default
# stack,pcap-tests,apps), FUZZ_MAVEN_ARGS (extra Maven arguments, e.g. -o).
# The corpus each target grows is kept in <module>/.cifuzz-corpus/ (not committed) and reused by
# the next run. A crashing input is written by Jazzer into the target's inputs directory under
# src/test/resources, where `mvn test` replays it from then on: fix the bug, keep the input.
# At the end a table gives each target's executions, time and executions per second, from
# libFuzzer's own "Done N runs in S second(s)" lines. Maven's log is in target/fuzz.log, each
# target's libFuzzer output in <module>/target/surefire-reports/<class>-fuzz-output.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${1:-600}"
pattern="${2:-*FuzzTest}"
forks="${FUZZ_FORKS:-2}"
modules="${FUZZ_MODULES:-stack,pcap-tests,apps}"
mkdir -p target
log=target/fuzz.log

echo "fuzz.sh: fuzzing targets matching '$pattern' in $modules for $seconds s each, $forks at a time (log: $log)"
status=0
rm -f ./*/target/surefire-reports/*-fuzz-output.txt
# shellcheck disable=SC2086
mvn -B ${FUZZ_MAVEN_ARGS:-} -pl "$modules" -am test-compile surefire:test@fuzz \
  -Dtapwire.fuzz.seconds="$seconds" -Dtapwire.fuzz.targets="$pattern" -Dtapwire.fuzz.forks="$forks" \
  >"$log" 2>&1 || status=$?
grep -E '^\[INFO\] Running |^\[INFO\] Tests run:|^\[ERROR\]|BUILD' "$log" || true

# Per target, from its own output file: libFuzzer's "Done N runs in S second(s)".
printf '%-58s %14s %8s %10s\n' target executions seconds exec/s
total=0
for f in $(echo "$modules" | tr , ' '); do
  for out in "$f"/target/surefire-reports/*-fuzz-output.txt; do
    [ -e "$out" ] || continue
    line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$out" | tail -1 || true)
    if [ -z "$line" ]; then
      printf '%-58s %s\n' "$(basename "$out" -fuzz-output.txt)" "stopped early: a finding or an error, see $out"
      continue
    fi
    runs=$(echo "$line" | awk '{print $2}')
    secs=$(echo "$line" | awk '{print $5}')
    name=$(basename "$out" -fuzz-output.txt)
    printf '%-58s %14d %8d %10d\n' "$name" "$runs" "$secs" $(( secs > 0 ? runs / secs : 0 ))
    total=$(( total + runs ))
  done
done
printf '%-58s %14d\n' total "$total"

crashes=$(git status --porcelain --untracked-files=all -- '*/src/test/resources/**Inputs/**' | grep -E '(crash|timeout|slow-unit|oom)-' || true)
if [ -n "$crashes" ]; then
  echo "fuzz.sh: new findings (fix the bug, then commit the input as a regression case):"
  echo "$crashes"
fi
exit "$status"
