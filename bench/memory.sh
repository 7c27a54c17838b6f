#!/usr/bin/env bash
# Memory store benchmark: starts a fresh Berth on the embedded default and runs
# bench/MemoryBench.java against it (memory creates and updates beside the ceiling GET at 1 and 16
# clients, a page of a 10,000-memory store at depth=1 and with depth unset, then the time from a
# command's write to its version). Needs bubblewrap and bash.
# Usage: bench/memory.sh [seconds-per-run] [commands]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/jdk.sh"
seconds=${1:-10}
runs=${2:-100}
mib=1
# shellcheck source=bench/single-node.sh
source "$root/bench/single-node.sh"
"$JAVA_HOME/bin/java" -cp "$root/berth-server/target/berth.jar" "$root/bench/MemoryBench.java" \
  "$base" "$key" "$seconds" "$runs" "$pid"
