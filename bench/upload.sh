#!/usr/bin/env bash
# Uploads against read + hash + write: is an upload as fast as the machine allows?
#
# Starts berth-server/target/berth.jar with a small heap (-Xmx256m by default) and a fresh data
# directory, makes four files of random bytes (500 MiB each by default) in the same directory tree
# as the data directory, then runs ROUNDS rounds, interleaved, of:
#   baseline  tee SRC >COPY | openssl dgst -sha256; sync COPY — reads the bytes, hashes them (SHA-256), writes
#             a copy to the filesystem of the server's data directory and flushes it to disk (fsync),
#             which is what the server must do before it acknowledges an upload;
#   curl      curl -F file=@SRC POST /v1/files (multipart, as the SDKs send it);
#   sdk       the TypeScript SDK's client.beta.files.upload({ file: File over fs.openAsBlob(SRC) },
#             { fetchOptions: { redirect: 'error' } }) (bench/upload-sdk.mjs says why so);
#   sink      the same SDK call against bench/upload-sink.mjs, a node server that reads the body
#             and drops it: what the SDK itself can send on this machine, whatever the server;
# each with one client, and with four at once on four different files (four baselines at once
# against four uploads at once). The order of the four kinds turns from round to round. Every
# uploaded file is deleted after its run (its blob with it) and every copy removed, outside the
# timing. Throughput is bytes of file contents / wall time; a ratio is an upload's throughput over
# the baseline's in the same round, with the same number of clients.
# Heap use is sampled (jstat -gc every 100 ms) over the whole run; heap and RSS are reported as
# bench/upload-memory.sh does. Everything lives in a temporary directory deleted at the end.
#
#   bench/upload.sh [SIZE_MIB] [ROUNDS] [XMX]      e.g. bench/upload.sh 500 5 256m
# BENCH_SERVER_OPTS adds JVM options to the server (e.g. a JFR recording); BERTH_JAR runs another
# build's jar (default: this tree's, built when stale).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../scripts/jdk.sh
source "$root/scripts/jdk.sh"
# shellcheck source=lib.sh
source "$root/bench/lib.sh"

size_mib=${1:-500}
rounds=${2:-5}
xmx=${3:-256m}
key=sk-bench-0123456789abcdef
jar=${BERTH_JAR:-$root/berth-server/target/berth.jar}
for tool in curl awk node openssl tee sync; do
  command -v "$tool" >/dev/null || { echo "upload: needs $tool" >&2; exit 1; }
done

if [ ! -d "$root/sdk-tests/ts/node_modules/@anthropic-ai/sdk" ]; then
  (cd "$root/sdk-tests/ts" && npm ci --no-audit --no-fund --loglevel=error)
fi
bench_build_jar

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-XXXXXX")
pid=""
sampler=""
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  [ -n "${sink:-}" ] && kill "$sink" 2>/dev/null || true
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

bytes=$((size_mib * 1024 * 1024))
echo "generating 4 files of $size_mib MiB of random bytes in $work ..."
head -c "$bytes" /dev/urandom >"$work/src-1.bin"
for i in 2 3 4; do # the same bytes but the first 8, so each file has a blob of its own
  cp "$work/src-1.bin" "$work/src-$i.bin"
  printf 'file-%03d' "$i" | dd of="$work/src-$i.bin" conv=notrunc status=none
done

# shellcheck disable=SC2086 # BENCH_SERVER_OPTS: words on purpose
bench_start_berth "$work/server.log" "$key" "-Xmx$xmx" ${BENCH_SERVER_OPTS:-} -jar "$jar" serve \
  --port 0 --data-dir "$work/data" --api-key "$key@bench" \
  --max-upload-bytes "$((bytes + 1024 * 1024))"
SIZE=$bytes node "$root/bench/upload-sink.mjs" >"$work/sink.port" &
sink=$!
for _ in $(seq 1 100); do [ -s "$work/sink.port" ] && break; sleep 0.05; done
sink_url="http://127.0.0.1:$(cat "$work/sink.port")"

kib() { awk '/^'"$1"':/ { print $2 }' "/proc/$pid/status"; }
heap_used() { # "used NNNNK" of the whole heap, in MiB
  "$JAVA_HOME/bin/jcmd" "$pid" GC.heap_info 2>/dev/null |
    awk '/garbage-first heap|total [0-9]+K, used/ { for (i = 1; i <= NF; i++) if ($i == "used") { sub(/K,?/, "", $(i+1)); printf "%.1f", $(i+1) / 1024; exit } }'
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
delete_files() {
  for id in "$@"; do
    curl -fsS -o /dev/null -X DELETE -H "x-api-key: $key" "$url/v1/files/$id"
  done
}

baseline() { # N → seconds
  local n=$1 start end i pids=()
  start=$(now)
  for i in $(seq 1 "$n"); do
    (tee "$work/copy-$i" <"$work/src-$i.bin" | openssl dgst -sha256 >/dev/null && sync "$work/copy-$i") &
    pids+=($!)
  done
  wait "${pids[@]}"
  end=$(now)
  rm -f "$work"/copy-*
  elapsed "$start" "$end"
}

upload_curl() { # N → seconds
  local n=$1 start end i ids=() pids=()
  start=$(now)
  for i in $(seq 1 "$n"); do
    curl -sS -o "$work/response-$i.json" -w '%{http_code}' -H "x-api-key: $key" \
      -F "file=@$work/src-$i.bin;type=application/octet-stream" "$url/v1/files" >"$work/status-$i" &
    pids+=($!)
  done
  wait "${pids[@]}"
  end=$(now)
  for i in $(seq 1 "$n"); do
    [ "$(cat "$work/status-$i")" = 200 ] && grep -q "\"size_bytes\":$bytes" "$work/response-$i.json" ||
      { echo "upload failed: HTTP $(cat "$work/status-$i") $(cat "$work/response-$i.json")" >&2; exit 1; }
    ids+=("$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$work/response-$i.json")")
  done
  delete_files "${ids[@]}"
  elapsed "$start" "$end"
}

upload_sdk() { # N [URL] → seconds (timed inside node, from the first upload call to the last answer)
  local n=$1 to=${2:-$url} out files=() i
  for i in $(seq 1 "$n"); do files+=("$work/src-$i.bin"); done
  out=$(node "$root/bench/upload-sdk.mjs" "$to" "$key" "${files[@]}")
  if [ "$to" != "$url" ]; then # the sink keeps nothing
    read -r -a fields <<<"$out"
    echo "${fields[0]}"
    return
  fi
  read -r -a fields <<<"$out"
  delete_files "${fields[@]:1}"
  echo "${fields[0]}"
}

echo "warm-up: one curl and one sdk upload ..."
upload_curl 1 >/dev/null
upload_sdk 1 >/dev/null

heap_before=$(heap_used)
rss_before=$(kib VmRSS)
# S0U S1U EU OU are columns 3, 4, 6 and 8 of jstat -gc (KiB); keep the largest sum seen.
"$JAVA_HOME/bin/jstat" -gc "$pid" 100 >"$work/jstat.txt" 2>/dev/null &
sampler=$!

kinds=(baseline curl sdk sink)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$work/times.txt"
for round in $(seq 1 "$rounds"); do
  for n in 1 4; do
    for k in 0 1 2 3; do
      kind=${kinds[$(((k + round) % 4))]}
      case $kind in
      baseline) s=$(baseline "$n") ;;
      curl) s=$(upload_curl "$n") ;;
      sdk) s=$(upload_sdk "$n") ;;
      sink) s=$(upload_sdk "$n" "$sink_url") ;;
      esac
      echo "$round $n $kind $s" >>"$work/times.txt"
      printf 'round %d  %d client(s)  %-8s %7.2f s  %6.0f MiB/s   load %s\n' "$round" "$n" "$kind" "$s" \
        "$(awk -v n="$n" -v m="$size_mib" -v s="$s" 'BEGIN { print n * m / s }')" "$(cut -d' ' -f1-3 /proc/loadavg)"
    done
  done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

sleep 0.3
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=""
heap_peak=$(awk '$1 ~ /^[0-9.]+$/ { used = $3 + $4 + $6 + $8; if (used > max) max = used } END { printf "%.1f", max / 1024 }' "$work/jstat.txt")
heap_after=$(heap_used)
hwm=$(kib VmHWM)
rss_after=$(kib VmRSS)

echo
echo "$size_mib MiB per file, $rounds rounds, server -Xmx$xmx, load average $load_start at the start, $load_end at the end"
echo
awk -v m="$size_mib" '
  function median(list, count,   sorted, i, j, t) {
    for (i = 1; i <= count; i++) sorted[i] = list[i]
    for (i = 1; i <= count; i++) for (j = i + 1; j <= count; j++) if (sorted[j] < sorted[i]) { t = sorted[i]; sorted[i] = sorted[j]; sorted[j] = t }
    return count % 2 ? sorted[(count + 1) / 2] : (sorted[count / 2] + sorted[count / 2 + 1]) / 2
  }
  { rate[$1, $2, $3] = $2 * m / $4; rounds[$1] = 1 }
  END {
    print "| clients | baseline MiB/s | curl MiB/s | sdk MiB/s | sdk to a sink MiB/s | curl / baseline | sdk / baseline | sdk / sdk to a sink |"
    print "|---|---|---|---|---|---|---|---|"
    for (n = 1; n <= 4; n += 3) {
      c = 0
      for (r in rounds) {
        c++
        b[c] = rate[r, n, "baseline"]; u[c] = rate[r, n, "curl"]; s[c] = rate[r, n, "sdk"]
        k[c] = rate[r, n, "sink"]
        ur[c] = u[c] / b[c]; sr[c] = s[c] / b[c]; kr[c] = s[c] / k[c]
        lo_u = (c == 1 || ur[c] < lo_u) ? ur[c] : lo_u; hi_u = (c == 1 || ur[c] > hi_u) ? ur[c] : hi_u
        lo_s = (c == 1 || sr[c] < lo_s) ? sr[c] : lo_s; hi_s = (c == 1 || sr[c] > hi_s) ? sr[c] : hi_s
      }
      printf "| %d | %.0f | %.0f | %.0f | %.0f | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) | %.2f |\n", n,
        median(b, c), median(u, c), median(s, c), median(k, c), median(ur, c), lo_u, hi_u,
        median(sr, c), lo_s, hi_s, median(kr, c)
    }
    print ""
    print "medians over the rounds; a ratio is taken within each round, then the median (lowest–highest)"
  }' "$work/times.txt"
echo
awk -v hb="$heap_before" -v hp="$heap_peak" -v ha="$heap_after" -v rb="$rss_before" -v hwm="$hwm" \
  -v ra="$rss_after" 'BEGIN {
  printf "server heap used   %s MiB before, %s MiB peak during, %s MiB after\n", hb, hp, ha
  printf "server RSS         %.0f MiB before, %.0f MiB peak (VmHWM), %.0f MiB after\n", rb / 1024, hwm / 1024, ra / 1024
}'
