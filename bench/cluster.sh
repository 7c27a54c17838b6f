#!/usr/bin/env bash
# Scale-out benchmark: add+delete throughput through the embedded default, one node on PostgreSQL
# + S3 and two nodes on the same PostgreSQL + S3; then upload throughput to the local blob store and
# to S3, side by side (bench/ClusterBench.java). Needs the machine's PostgreSQL at 127.0.0.1:5432
# (BERTH_TEST_POSTGRES_HOST); starts S3Mock (scripts/s3mock.sh) for the bucket.
# Usage: bench/cluster.sh [seconds-per-run] [clients] [upload-MiB]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/jdk.sh"
source "$root/scripts/s3mock.sh"
seconds=${1:-10}
clients=${2:-16}
mib=${3:-256}
pg=${BERTH_TEST_POSTGRES_HOST:-127.0.0.1:5432}
db="berth_bench_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql -q -h "${pg%:*}" -p "${pg##*:}" -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && mvn -q -B -DskipTests clean package)
s3mock_start "$work/s3"
pids+=("$S3MOCK_PID")
psql -q -h "${pg%:*}" -p "${pg##*:}" -U postgres -d postgres -c "CREATE DATABASE $db"
key="sk-bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
urls=()
node() { # name, then options
  local name=$1 port; shift
  port=$(free_port)
  "$JAVA_HOME/bin/java" -Xmx512m -jar "$root/berth-server/target/berth.jar" --port "$port" --data-dir "$work/$name" \
    --api-key "$key@bench" --max-upload-bytes $(( (mib + 1) * 1024 * 1024 )) "$@" >"$work/$name.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1 150); do
    curl -sf -o /dev/null -H "x-api-key: $key" "http://127.0.0.1:$port/v1/files" && break
    sleep 0.2
  done
  urls+=("http://127.0.0.1:$port")
}
shared=(--database-url "jdbc:postgresql://$pg/$db?user=postgres" --s3-endpoint "$S3MOCK_ENDPOINT"
  --s3-bucket bench --s3-access-key-id bench --s3-secret-access-key bench-secret)
node sqlite
node pg-a "${shared[@]}"
node pg-b "${shared[@]}"
head -c $((mib * 1024 * 1024)) /dev/urandom >"$work/upload.bin"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1); $(psql -h "${pg%:*}" -p "${pg##*:}" -U postgres -d postgres -tAc 'SHOW server_version')"
"$JAVA_HOME/bin/java" -cp "$root/berth-server/target/berth.jar" "$root/bench/ClusterBench.java" \
  "$key" "$seconds" "$clients" "$work/upload.bin" "${urls[0]}" "${urls[1]}" "${urls[2]}" "${urls[1]}"
