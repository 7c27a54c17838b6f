#!/usr/bin/env bash
# Resource count benchmark: starts a fresh Berth on the embedded default and runs
# bench/ResourceCountBench.java against it: the latency of adding a file resource to a session
# holding 99 against an empty one, one client, the two taking turns (each add followed by a delete).
# Usage: bench/scale/resources.sh [rounds]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/scripts/jdk.sh"
rounds=${1:-5}
mib=1
# shellcheck source=bench/single-node.sh
source "$root/bench/single-node.sh"
"$JAVA_HOME/bin/java" -cp "$root/berth-server/target/berth.jar" "$root/bench/ResourceCountBench.java" \
  "$base" "$key" "$rounds" "$pid"
