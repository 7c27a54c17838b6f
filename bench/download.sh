#!/usr/bin/env bash
# Downloads against a bare sendfile server (see BENCHMARKS.md): the same file of random bytes,
# downloaded over loopback in one run, interleaved over several rounds, from
#   (a) a bare HTTP server in C that answers GET with Content-Length and sendfile(2)
#       (bench/sendfile-server.c, compiled here),
#   (b) Berth's GET /v1/files/{id}/content for an upload (--uploads-downloadable),
#   (c) the same for an output: the upload copied to /mnt/session/outputs by an exec (needs
#       bubblewrap), catalogued as a session-scoped file.
# Each side is read by two clients: curl -o /dev/null, and bench/drain-client.c (one GET, the body
# read into a 1 MiB buffer and dropped, no curl costs). Reports MiB/s per round, the medians, and
# each Berth side's median over the sendfile server's.
#
#   bench/download.sh [SIZE_MIB] [ROUNDS]      e.g. bench/download.sh 1024 5
# BERTH_JAR runs another build's jar (default: this tree's, built when stale); BERTH_BENCH_JAVA_OPTS
# adds JVM options (e.g. -XX:StartFlightRecording=filename=download.jfr).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../scripts/jdk.sh
source "$root/scripts/jdk.sh"
# shellcheck source=lib.sh
source "$root/bench/lib.sh"

size_mib=${1:-1024}
rounds=${2:-5}
jar=${BERTH_JAR:-$root/berth-server/target/berth.jar}
for tool in curl jq gcc bwrap awk; do
  command -v "$tool" >/dev/null || { echo "download: needs $tool" >&2; exit 1; }
done
bench_build_jar

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-XXXXXX")
pid=""
sfpid=""
cleanup() {
  [ "$BASHPID" = "$$" ] || return 0 # not in a subshell that inherited the trap
  [ -n "$sfpid" ] && kill "$sfpid" 2>/dev/null || true
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

gcc -O2 -o "$work/sendfile-server" "$root/bench/sendfile-server.c"
gcc -O2 -o "$work/drain-client" "$root/bench/drain-client.c"
echo "generating $size_mib MiB of random bytes ..."
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$work/big.bin"

"$work/sendfile-server" "$work/big.bin" "$work/sendfile.port" &
sfpid=$!

key="sk-bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
limit=$(((size_mib + 1) * 1024 * 1024))
# shellcheck disable=SC2086 # BERTH_BENCH_JAVA_OPTS: words on purpose
bench_start_berth "$work/server.log" "$key" ${BERTH_BENCH_JAVA_OPTS:-} -Xmx1g -jar "$jar" serve \
  --port 0 --data-dir "$work/data" --api-key "$key@bench" --uploads-downloadable \
  --max-upload-bytes "$limit" --session-disk-quota-bytes "$((3 * limit))"
port=${url##*:}
sfport=$(cat "$work/sendfile.port")

api() { # METHOD PATH [JSON]
  curl -fsS -X "$1" -H "x-api-key: $key" -H "anthropic-beta: managed-agents-2026-04-01" \
    -H "content-type: application/json" ${3:+--data "$3"} "$url$2"
}

echo "uploading ..."
upload=$(curl -fsS -H "x-api-key: $key" -F "file=@$work/big.bin;type=application/octet-stream" \
  "$url/v1/files" | jq -r .id)
env=$(api POST /v1/environments '{"name":"bench"}' | jq -r .id)
agent=$(api POST /v1/agents '{"name":"bench","model":"claude-sonnet-4-6"}' | jq -r .id)
session=$(api POST /v1/sessions "{\"agent\":\"$agent\",\"environment_id\":\"$env\"}" | jq -r .id)
api POST "/v1/sessions/$session/resources" \
  "{\"type\":\"file\",\"file_id\":\"$upload\",\"mount_path\":\"/mnt/session/uploads/big.bin\"}" >/dev/null
echo "writing the output with an exec ..."
exit_code=$(api POST "/berth/v1/sessions/$session/exec" \
  '{"command":["cp","/mnt/session/uploads/big.bin","/mnt/session/outputs/big.bin"],"timeout_ms":600000}' |
  jq -r .exit_code)
[ "$exit_code" = 0 ] || { echo "exec failed with exit code $exit_code" >&2; exit 1; }
output=$(api GET "/v1/files?scope_id=$session" | jq -r '.data[] | select(.filename == "big.bin" and .downloadable) | .id')
echo "upload $upload, output $output"
[ -n "$output" ] || { echo "the output was not catalogued" >&2; exit 1; }

paths=("/big.bin" "/v1/files/$upload/content" "/v1/files/$output/content")
ports=("$sfport" "$port" "$port")
names=("sendfile(2)" "Berth upload" "Berth output")
want=$((size_mib * 1024 * 1024))

once() { # CLIENT SIDE -> MiB/s
  local p=${ports[$2]} path=${paths[$2]} bytes seconds
  if [ "$1" = curl ]; then
    read -r bytes seconds < <(curl -fsS -o /dev/null -w '%{size_download} %{time_total}\n' \
      -H "x-api-key: $key" "http://127.0.0.1:$p$path")
  else
    read -r bytes seconds < <("$work/drain-client" "$p" "$path" "x-api-key: $key")
  fi
  [ "$bytes" = "$want" ] || { echo "${names[$2]}: $bytes bytes, not $want" >&2; exit 1; }
  awk -v b="$bytes" -v s="$seconds" 'BEGIN { printf "%.0f", b / 1048576 / s }'
}

for c in curl drain; do for s in 0 1 2; do once "$c" "$s" >/dev/null; done; done # warm-up: JIT, page cache

echo
echo "machine: $(nproc) cores; load before $(cut -d' ' -f1-3 /proc/loadavg); java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1); $(curl --version | head -1 | cut -d' ' -f1-2)"
declare -A res
for r in $(seq 1 "$rounds"); do
  for c in curl drain; do
    for i in 0 1 2; do # rotate the order, so no side always follows the same one
      s=$(((i + r) % 3))
      res[$c,$s]+="$(once "$c" "$s") "
    done
  done
done
median() { tr ' ' '\n' | awk 'NF' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "load after $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| $size_mib MiB, $rounds rounds interleaved | client | MiB/s per round | median MiB/s | / sendfile |"
echo "|---|---|---|---|---|"
for c in curl drain; do
  base=$(echo "${res[$c,0]}" | median)
  for s in 0 1 2; do
    m=$(echo "${res[$c,$s]}" | median)
    printf '| %s | %s | %s | %s | %s |\n' "${names[$s]}" "$([ "$c" = curl ] && echo 'curl -o /dev/null' || echo drain-client)" \
      "$(echo "${res[$c,$s]}" | xargs)" "$m" "$(awk -v m="$m" -v b="$base" 'BEGIN { printf "%.2f", m / b }')"
  done
done
