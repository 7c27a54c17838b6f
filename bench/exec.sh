#!/usr/bin/env bash
# Command benchmark: starts a fresh Berth on the embedded default and runs bench/ExecBench.java
# against it (exec round trip of `true` beside a cheap GET, then mounting and reading a large file
# inside the sandbox beside reading it on the host). Needs bubblewrap.
# Usage: bench/exec.sh [runs] [large-file-MiB]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/jdk.sh"
runs=${1:-300}
mib=${2:-1024}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

(cd "$root" && mvn -q -B -DskipTests package)
key="sk-bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$JAVA_HOME/bin/java" -Xmx1g -jar "$root/target/berth.jar" --port "$port" --data-dir "$work/data" \
  --api-key "$key@bench" --max-upload-bytes $(( (mib + 1) * 1024 * 1024 )) >"$work/berth.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -sf -o /dev/null -H "x-api-key: $key" "http://127.0.0.1:$port/v1/files" && break
  sleep 0.2
done
head -c $((mib * 1024 * 1024)) /dev/urandom >"$work/big.bin"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1); $(bwrap --version)"
"$JAVA_HOME/bin/java" -cp "$root/target/berth.jar" "$root/bench/ExecBench.java" \
  "http://127.0.0.1:$port" "$key" "$runs" "$work/big.bin" "$work/data"
