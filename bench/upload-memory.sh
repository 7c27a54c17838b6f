#!/usr/bin/env bash
# Upload memory: does a large upload stay out of the heap?
#
# Starts berth-server/target/berth.jar with a small heap (-Xmx256m by default), uploads one file of random
# bytes (1 GiB by default) with curl as multipart/form-data, and reports
#   - the upload's wall time and throughput,
#   - the server's peak resident set size (VmHWM in /proc/<pid>/status) and its RSS after,
#   - heap used before and after (jcmd GC.heap_info) and the highest heap use seen while the
#     upload ran (jstat -gc sampled every 100 ms).
# Everything lives in a temporary directory that is deleted at the end.
#
#   bench/upload-memory.sh [SIZE_MIB] [XMX]      e.g. bench/upload-memory.sh 1024 256m
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../scripts/jdk.sh
source "$root/scripts/jdk.sh"
# shellcheck source=lib.sh
source "$root/bench/lib.sh"

size_mib=${1:-1024}
xmx=${2:-256m}
key=sk-bench-0123456789abcdef
jar="$root/berth-server/target/berth.jar"
for tool in curl awk; do
  command -v "$tool" >/dev/null || { echo "upload-memory: needs $tool" >&2; exit 1; }
done

bench_build_jar

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-XXXXXX")
pid=""
sampler=""
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "generating $size_mib MiB of random bytes ..."
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$work/upload.bin"

bench_start_berth "$work/server.log" "$key" "-Xmx$xmx" -jar "$jar" serve --port 0 \
  --data-dir "$work/data" --api-key "$key@bench" --max-upload-bytes "$(((size_mib + 1) * 1024 * 1024))"

kib() { awk -v k="$1" '/^'"$1"':/ { print $2 }' "/proc/$pid/status"; }
heap_used() { # "used NNNNK" of the whole heap, in MiB
  "$JAVA_HOME/bin/jcmd" "$pid" GC.heap_info 2>/dev/null |
    awk '/garbage-first heap|total [0-9]+K, used/ { for (i = 1; i <= NF; i++) if ($i == "used") { sub(/K,?/, "", $(i+1)); printf "%.1f", $(i+1) / 1024; exit } }'
}

heap_before=$(heap_used)
rss_before=$(kib VmRSS)

# S0U S1U EU OU are columns 3, 4, 6 and 8 of jstat -gc (KiB); keep the largest sum seen.
"$JAVA_HOME/bin/jstat" -gc "$pid" 100 >"$work/jstat.txt" 2>/dev/null &
sampler=$!

echo "uploading to $url/v1/files with -Xmx$xmx ..."
read -r status seconds < <(curl -sS -o "$work/response.json" -w '%{http_code} %{time_total}\n' \
  -H "x-api-key: $key" -F "file=@$work/upload.bin;type=application/octet-stream" "$url/v1/files")

sleep 0.3
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=""

[ "$status" = 200 ] || { echo "upload failed with HTTP $status: $(cat "$work/response.json")" >&2; exit 1; }
grep -q "\"size_bytes\":$((size_mib * 1024 * 1024))" "$work/response.json" ||
  { echo "unexpected response: $(cat "$work/response.json")" >&2; exit 1; }

heap_peak=$(awk '$1 ~ /^[0-9.]+$/ { used = $3 + $4 + $6 + $8; if (used > max) max = used } END { printf "%.1f", max / 1024 }' "$work/jstat.txt")
heap_after=$(heap_used)
hwm=$(kib VmHWM)
rss_after=$(kib VmRSS)

awk -v s="$seconds" -v m="$size_mib" -v x="$xmx" -v hb="$heap_before" -v hp="$heap_peak" \
  -v ha="$heap_after" -v rb="$rss_before" -v hwm="$hwm" -v ra="$rss_after" 'BEGIN {
  printf "file size          %d MiB (random bytes, multipart via curl)\n", m
  printf "max heap           -Xmx%s\n", x
  printf "upload time        %.1f s (%.0f MiB/s)\n", s, m / s
  printf "heap used          %s MiB before, %s MiB peak during, %s MiB after\n", hb, hp, ha
  printf "RSS                %.0f MiB before, %.0f MiB peak (VmHWM), %.0f MiB after\n", rb / 1024, hwm / 1024, ra / 1024
}'
