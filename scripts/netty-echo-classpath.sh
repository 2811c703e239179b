#!/usr/bin/env bash
# Prints the class path of the unmodified Netty NIO echo server the benchmarks run
# (io.tapwire.apps.nio.NettyEchoServerMain, in apps' test classes) and its Netty jars from ~/.m2,
# after compiling apps' test classes offline. Used by bench-netty-echo.sh and bench-echo-floor.sh.
#   scripts/netty-echo-classpath.sh CALLER   (CALLER names the script in error messages)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CALLER="${1:-netty-echo-classpath}"
(cd "$ROOT" && mvn -B -q -o -pl stack,tap-driver,pcap-tests,apps test-compile >&2)
VERSION="$(sed -n 's:.*<netty.version>\(.*\)</netty.version>.*:\1:p' "$ROOT/apps/pom.xml")"
CP="$ROOT/apps/target/test-classes"
for a in netty-common netty-buffer netty-resolver netty-transport; do
  jar="$HOME/.m2/repository/io/netty/$a/$VERSION/$a-$VERSION.jar"
  [ -f "$jar" ] || { echo "$CALLER: $jar missing: run mvn -pl stack,tap-driver,pcap-tests,apps test-compile once online" >&2; exit 2; }
  CP="$CP:$jar"
done
echo "$CP"
