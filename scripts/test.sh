#!/usr/bin/env bash
# The full test suite: installs the Linux tools the integration tests run (scripts/install-deps.sh),
# then builds and runs every module's tests with Maven. As root, the integration tests run against a
# real TAP in private network namespaces; without root they are skipped, unless CI=true, where
# they must run and fail loudly if they cannot. Under CI=true a missing tool or a missing
# ../shared (the conformance suite) stops the run too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export CI="${CI:-}"
ci=false
if [ "${CI,,}" = true ]; then
  ci=true
fi

if [ "$(id -u)" -eq 0 ] || [ "$ci" = true ]; then
  scripts/install-deps.sh
else
  scripts/install-deps.sh || echo "test.sh: continuing without the missing tools; the tests that need them will be skipped" >&2
fi

# The packetdrill conformance suite is read from ../shared/conformance (or TAPWIRE_CONFORMANCE_DIR),
# never copied in. Under CI its absence is an error here, before a long build, not a skipped test.
if [ "$ci" = true ]; then
  if [ -n "${TAPWIRE_CONFORMANCE_DIR:-}" ]; then
    if [ ! -d "$TAPWIRE_CONFORMANCE_DIR" ]; then
      echo "test.sh: CI=true, but TAPWIRE_CONFORMANCE_DIR=$TAPWIRE_CONFORMANCE_DIR is not a directory" >&2
      exit 1
    fi
  elif [ ! -d ../shared/conformance/tcp-testsuite ]; then
    echo "test.sh: CI=true, but ../shared/conformance/tcp-testsuite does not exist (looked from $(pwd))." \
      "The conformance suite is read from there: put the shared folder beside the repository as ../shared," \
      "or set TAPWIRE_CONFORMANCE_DIR to the folder holding tcp-testsuite." >&2
    exit 1
  fi
fi

exec mvn -B verify "$@"
