#!/usr/bin/env bash
# Command benchmark: starts a fresh Berth on the embedded default and runs bench/ExecBench.java
# against it (exec round trip of `true` beside a cheap GET and beside bubblewrap run bare with the
# command line Berth builds, then mounting and reading a large file
# inside the sandbox beside reading it on the host). Needs bubblewrap.
# Usage: bench/exec.sh [runs] [large-file-MiB]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/jdk.sh"
runs=${1:-300}
mib=${2:-1024}
# shellcheck source=bench/single-node.sh
source "$root/bench/single-node.sh"
echo "$(bwrap --version)"
"$JAVA_HOME/bin/java" -cp "$root/berth-server/target/berth.jar" "$root/bench/ExecBench.java" \
  "$base" "$key" "$runs" "$big" "$work/data"
