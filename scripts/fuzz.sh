#!/usr/bin/env bash
# Coverage-guided fuzzing (Jazzer) of every fuzz target, long: each *FuzzTest class is fuzzed in a
# JVM of its own for SECONDS (default 600), one after the other. `mvn verify` only replays the
# corpora and fuzzes each target for 2 s; this is the long run.
#
#   scripts/fuzz.sh [SECONDS] [CLASS_PATTERN]     e.g. scripts/fuzz.sh 1800 'EstablishedSegmentsFuzzTest'
#
# Environment: FUZZ_FORKS (targets fuzzed at once, default 1), FUZZ_MODULES (default
# stack,pcap-tests,apps), FUZZ_MAVEN_ARGS (extra Maven arguments, e.g. -o), FUZZ_LOG (Maven's log,
# default target/fuzz.log), FUZZ_JVM (the fuzzing JVM's options, default -Xmx2g: C2 for long runs,
# where mvn verify's short runs use C1).
# The corpus each target grows is kept in <module>/.cifuzz-corpus/ (not committed) and reused by
# the next run. A crashing input is written by Jazzer into the target's inputs directory under
# src/test/resources, where `mvn test` replays it from then on: fix the bug, keep the input.
# At the end a table gives each target's executions, time and executions per second, from
# libFuzzer's own "Done N runs in S second(s)" lines in Maven's log (libFuzzer's output is there;
# the targets' Java output is in <module>/target/surefire-reports/<class>-fuzz-output.txt).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${1:-600}"
pattern="${2:-*FuzzTest}"
forks="${FUZZ_FORKS:-1}"
modules="${FUZZ_MODULES:-stack,pcap-tests,apps}"
mkdir -p target
log="${FUZZ_LOG:-target/fuzz.log}"

mkdir -p "$(dirname "$log")"
echo "fuzz.sh: fuzzing targets matching '$pattern' in $modules for $seconds s each, $forks at a time (log: $log)"
status=0
# shellcheck disable=SC2086
mvn -B ${FUZZ_MAVEN_ARGS:-} -pl "$modules" -am test-compile surefire:test@fuzz \
  -Dtapwire.fuzz.seconds="$seconds" -Dtapwire.fuzz.targets="$pattern" -Dtapwire.fuzz.forks="$forks" \
  -Dtapwire.fuzz.jvm="${FUZZ_JVM:--Xmx2g}" \
  >"$log" 2>&1 || status=$?
grep -E '^\[INFO\] Running |^\[INFO\] Tests run:|^\[ERROR\]|BUILD' "$log" || true

# Per target: libFuzzer prints "Done N runs in S second(s)" on the fork's native stderr, which
# reaches Maven's log after the "Running CLASS" line of its fork. With one fork at a time that
# attributes each count to its target; with more, only the total is certain.
awk -v forks="$forks" '
  /^\[INFO\] Running / { cls = $3 }
  /^Done [0-9]+ runs in [0-9]+ second/ { runs[cls] += $2; secs[cls] += $5; n++; total += $2 }
  END {
    if (forks == 1) {
      printf "%-58s %14s %8s %10s\n", "target", "executions", "seconds", "exec/s"
      for (c in runs) printf "%-58s %14d %8d %10d\n", c, runs[c], secs[c], secs[c] ? runs[c] / secs[c] : 0
    }
    printf "%-58s %14d   (%d targets fuzzed)\n", "total executions", total, n
  }' "$log"

crashes=$(git status --porcelain --untracked-files=all -- '*/src/test/resources/**Inputs/**' | grep -E '(crash|timeout|slow-unit|oom)-' || true)
if [ -n "$crashes" ]; then
  echo "fuzz.sh: new findings (fix the bug, then commit the input as a regression case):"
  echo "$crashes"
fi
exit "$status"
