#!/usr/bin/env bash
# Heap with idle sessions (BENCHMARKS.md "Flat costs"): creates sessions through the API of a
# real Berth, 100 and then up to 100,000, and after each count restarts the server, waits for
# its start-up reconcile to finish and reads its live heap after a full collection.
# Usage: bench/scale/heap.sh [counts, comma-separated]   (BERTH_JAR=file: another jar)
# With BENCH_SCALE_DIR set to the directory bench/scale/startup.sh kept, it instead reads the
# heap of Berth started on each data directory built there, after its start-up reconcile.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/scripts/jdk.sh"
counts=${1:-100,100000}
jar=${BERTH_JAR:-"$root/berth-server/target/berth.jar"}
[ -f "$jar" ] || (cd "$root" && mvn -q -B -o -DskipTests install -pl berth-server -am)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
key="sk-bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${BENCH_SCALE_DIR:-}" ]; then
  "$JAVA_HOME/bin/java" -cp "$jar" "$root/bench/scale/ScaleBench.java" heap-dirs "$jar" \
    "$(cat "$BENCH_SCALE_DIR/key")" "$BENCH_SCALE_DIR/no-sessions" "$BENCH_SCALE_DIR"/sessions-*/
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" -cp "$jar" "$root/bench/scale/ScaleBench.java" heap "$jar" "$work/data" "$key" ${counts//,/ }
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
