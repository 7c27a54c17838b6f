#!/usr/bin/env bash
# Session-resource benchmark: starts a fresh Berth on the embedded default and runs
# bench/ResourceBench.java against it (ceiling vs add+delete at concurrency 1/16/64, then add
# latency for a 1 KiB vs a large file). Usage: bench/resources.sh [seconds-per-run] [large-file-MiB]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/jdk.sh"
seconds=${1:-10}
mib=${2:-1024}
# shellcheck source=bench/single-node.sh
source "$root/bench/single-node.sh"
"$JAVA_HOME/bin/java" -cp "$root/berth-server/target/berth.jar" "$root/bench/ResourceBench.java" \
  "$base" "$key" "$seconds" "$big" "$pid"
