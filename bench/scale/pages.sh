#!/usr/bin/env bash
# Pages and retrieves of files and sessions at 1,000 and 1,000,000 rows, side by side: starts one
# fresh Berth per size, makes the workspace, agents, environment, two sessions and a file through
# its API, then inserts the rows into its SQLite database from a second process through the
# server's own store classes (bench/scale/PagesBench.java), and measures the servers interleaved.
# The rows go in while the server runs, so that its start-up does not reconcile a million sandboxes
# first; the server keeps no copy of these rows, so it reads them as it would rows it wrote.
# Usage: bench/scale/pages.sh [ROUNDS]           (measured with: bench/scale/pages.sh 15)
#   BENCH_SIZES=1000,1000000   the sizes; the first is the one the others are compared with
#   BENCH_JAR=PATH             the server jar to measure (default: build this checkout's)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/scripts/jdk.sh"
rounds=${1:-15}
IFS=, read -r -a sizes <<<"${BENCH_SIZES:-1000,1000000}"
jar=${BENCH_JAR:-$root/berth-server/target/berth.jar}
if [[ -z ${BENCH_JAR:-} ]]; then
  (cd "$root" && mvn -q -B -DskipTests package -pl berth-server -am)
fi
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start DIR: a Berth on DIR/data; sets $pid and $base, waits until it answers.
start() {
  local dir=$1 port
  port=$(free_port)
  "$JAVA_HOME/bin/java" -Xmx1g -jar "$jar" --port "$port" --data-dir "$dir/data" \
    --api-key "$(cat "$dir/key")@bench" >>"$dir/berth.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  base="http://127.0.0.1:$port"
  local t0=$SECONDS
  until curl -sf -o /dev/null -H "x-api-key: $(cat "$dir/key")" "$base/v1/files?limit=1"; do
    kill -0 "$pid" 2>/dev/null || { echo "Berth on $dir stopped; see $dir/berth.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "started on $(basename "$dir") rows in $((SECONDS - t0)) s"
}

bench() { "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$jar" "$root/bench/scale/PagesBench.java" "$@"; }

specs=()
for size in "${sizes[@]}"; do
  dir="$work/$size"
  mkdir -p "$dir"
  echo "sk-bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$dir/key"
  start "$dir"
  bench setup "$base" "$(cat "$dir/key")" "$dir/setup.properties"
  t0=$SECONDS
  bench load "$dir/data" "$size"
  echo "loaded $size sessions and $size files in $((SECONDS - t0)) s"
  specs+=("$size=$base,$(cat "$dir/key"),$dir")
done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
bench measure "$rounds" "${specs[@]}"
