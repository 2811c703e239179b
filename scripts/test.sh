#!/usr/bin/env bash
# The full test suite: installs the Linux tools the integration tests run (scripts/install-deps.sh),
# then builds and runs every module's tests with Maven. As root, the integration tests run against a
# real TAP in private network namespaces; without root they are skipped, unless CI=true, where
# they must run and fail loudly if they cannot.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "$(id -u)" -eq 0 ]; then
  scripts/install-deps.sh
else
  scripts/install-deps.sh || echo "test.sh: continuing without the missing tools; the tests that need them will be skipped" >&2
fi

export CI="${CI:-}"
exec mvn -B verify "$@"
