#!/usr/bin/env bash
# Finds the newest JDK >= 17 on this machine. Sourced by ./tapwire and .ci/run for find_java and
# java_feature; run directly it prints that java's path (exit 1 when there is none):
#   scripts/find-java.sh            -> /usr/lib/jvm/temurin-25-jdk-amd64/bin/java
#   scripts/find-java.sh --feature  -> 25

# The feature version (17, 21, 25, ...) of a java binary: from its JDK's release file when there is
# one (no JVM start), else from `java -version`; empty when it cannot be told.
java_feature() {
  local java="$1" home version=""
  home="$(dirname "$(dirname "$java")")"
  if [ -f "$home/release" ]; then
    version="$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")"
  fi
  if [ -z "$version" ]; then
    version="$("$java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)"
  fi
  case "$version" in
    1.*) version="${version#1.}" ;; # 1.8.0_392 is Java 8
  esac
  version="${version%%[.+_-]*}"
  case "$version" in
    '' | *[!0-9]*) echo "" ;;
    *) echo "$version" ;;
  esac
}

# The newest JDK >= 17 among $JAVA_HOME, /usr/lib/jvm/* and `java` on the PATH, in that order of
# preference between equal versions. Java 22+ runs the TAP driver's FFM downcalls (the jar is
# multi-release), which cost less per system call than JNA.
find_java() {
  local candidates=() best="" best_feature=0 java real feature seen=" "
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  for java in /usr/lib/jvm/*/bin/java; do
    candidates+=("$java")
  done
  java="$(command -v java 2>/dev/null || true)"
  [ -n "$java" ] && candidates+=("$java")
  for java in "${candidates[@]}"; do
    [ -x "$java" ] || continue
    real="$(readlink -f "$java")"
    case "$seen" in *" $real "*) continue ;; esac
    seen="$seen$real "
    feature="$(java_feature "$real")"
    [ -n "$feature" ] || continue
    if [ "$feature" -ge 17 ] && [ "$feature" -gt "$best_feature" ]; then
      best="$real"
      best_feature="$feature"
    fi
  done
  echo "$best"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  java="$(find_java)"
  [ -n "$java" ] || { echo "find-java.sh: no Java 17 or newer found" >&2; exit 1; }
  if [ "${1:-}" = "--feature" ]; then
    java_feature "$java"
  else
    echo "$java"
  fi
fi
