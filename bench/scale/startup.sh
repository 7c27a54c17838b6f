#!/usr/bin/env bash
# Start-up with many sessions (BENCHMARKS.md "Flat costs"): builds, through the API of a real
# Berth, a data directory with SESSIONS sessions of RESOURCES file resources each and one with
# none, then times start -> first answered request on each, interleaved over ROUNDS rounds.
# Usage: bench/scale/startup.sh [rounds] [sessions] [resources]
# BENCH_SCALE_DIR=dir keeps the built directories there and reuses them on the next run;
# BERTH_JAR=file runs that jar instead of berth-server/target/berth.jar; BENCH_AOT=0 starts it
# without the start-up cache.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/scripts/jdk.sh"
rounds=${1:-7}
sessions=${2:-10000}
resources=${3:-10}
jar=${BERTH_JAR:-"$root/berth-server/target/berth.jar"}
[ -f "$jar" ] || (cd "$root" && mvn -q -B -o -DskipTests install -pl berth-server -am)
if [ -n "${BENCH_SCALE_DIR:-}" ]; then
  work=$BENCH_SCALE_DIR
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
[ -f "$work/key" ] || echo "sk-bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$work/key"
key=$(cat "$work/key")
bench() { "$JAVA_HOME/bin/java" -cp "$jar" "$root/bench/scale/ScaleBench.java" "$@"; }
none="$work/no-sessions"
many="$work/sessions-${sessions}x${resources}"
[ -d "$none" ] || bench build "$jar" "$none" "$key" 0 0
[ -d "$many" ] || bench build "$jar" "$many" "$key" "$sessions" "$resources"
# The server starts as ./berth serve starts it: with the start-up cache of this jar (JDK 25's AOT
# cache, scripts/aot-cache.sh), made here when missing or older than the jar; BENCH_AOT=0 starts it
# without.
if [ "${BENCH_AOT:-1}" != 0 ]; then
  cache="${jar%.jar}.aot"
  if [ ! -f "$cache" ] || [ "$jar" -nt "$cache" ]; then
    "$root/scripts/aot-cache.sh" "$JAVA_HOME/bin/java" "$jar" "$cache"
  fi
  export BENCH_JVM_OPTS="-XX:AOTCache=$cache"
fi
echo "jvm options: -Xmx2g ${BENCH_JVM_OPTS:-}"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
bench startup "$jar" "$key" "$rounds" "$none" "$many"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
