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
# shellcheck source=lib.sh
source "$root/bench/lib.sh"
seconds=${1:-10}
clients=${2:-16}
mib=${3:-256}
pg=${BERTH_TEST_POSTGRES_HOST:-127.0.0.1:5432}
db="berth_bench_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
work=$(mktemp -d)
pids=()
cleanup() {
  # ${pid:-}: a node bench_start_berth started but gave up on
  for p in "${pids[@]}" ${pid:-}; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}" ${pid:-}; do wait "$p" 2>/dev/null || true; done
  psql -q -h "${pg%:*}" -p "${pg##*:}" -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT

bench_build_jar
s3mock_start "$work/s3"
pids+=("$S3MOCK_PID")
psql -q -h "${pg%:*}" -p "${pg##*:}" -U postgres -d postgres -c "CREATE DATABASE $db"
key="sk-bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
urls=()
node() { # name, then options
  local name=$1
  shift
  bench_start_berth "$work/$name.log" "$key" -Xmx512m -jar "$root/berth-server/target/berth.jar" \
    --port 0 --data-dir "$work/$name" --api-key "$key@bench" \
    --max-upload-bytes $(((mib + 1) * 1024 * 1024)) "$@"
  pids+=("$pid")
  urls+=("$url")
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
