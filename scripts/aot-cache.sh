#!/usr/bin/env bash
# Makes the start-up cache of a berth.jar: JDK 25's ahead-of-time cache (JEP 483, 514, 515), the
# classes the server loads and links on its way to serving, and the profiles of its first methods,
# recorded in one training run and mapped by every later start (-XX:AOTCache=CACHE), which then
# skips most of the JVM's class loading. The training run starts the server on an empty data
# directory in a temporary directory and sends it the requests a first client would (files,
# environments, agents, sessions, resources, a command, outputs), then stops it; the JVM writes the
# cache as it exits. What a request answers does not matter, only the code it runs: a request
# refused on this machine (say, no bubblewrap) still records its classes, and the cache is used
# the same way everywhere.
#
# Usage: scripts/aot-cache.sh JAVA JAR CACHE
#   JAVA   the java binary (its JDK must be 25 or later) that will run the server with the cache
#   JAR    the berth.jar; the cache is valid only for this jar, unmodified (its size and time),
#          at this path or any path with the same file name relative to the cache's common prefix
#   CACHE  the cache file to write
# Prints nothing but failures; the training run's log is kept in CACHE.log.
set -euo pipefail
java=$1
jar=$2
cache=$3

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-aot-XXXXXX")
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

key="sk-berth-aot-training-$RANDOM$RANDOM"
log="$cache.log"
rm -f "$cache"
"$java" -XX:AOTCacheOutput="$cache" -jar "$jar" serve --port 0 --data-dir "$work/data" \
  --api-key "$key@training" >"$log" 2>&1 &
server=$!

base=
for _ in $(seq 600); do
  if ! kill -0 "$server" 2>/dev/null; then
    echo "aot-cache: the training server stopped; see $log" >&2
    exit 1
  fi
  base=$(grep -o 'listening on http://[^ ]*' "$log" | head -1 | cut -d' ' -f3) || true
  [ -n "$base" ] && break
  sleep 0.05 # polls for the log line that says the server listens
done
if [ -z "$base" ]; then
  echo "aot-cache: the training server did not start within 30 s; see $log" >&2
  exit 1
fi

api() { # METHOD PATH [curl arguments...]: the body, or nothing when the request failed
  local method=$1 path=$2
  shift 2
  curl -s -X "$method" "$base$path" -H "x-api-key: $key" \
    -H 'anthropic-beta: managed-agents-2026-04-01' "$@" || true
}
json() { api "$1" "$2" -H 'content-type: application/json' -d "$3"; }
id() { grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4 || true; }

printf 'one,two\n1,2\n' >"$work/data.csv"
for round in 1 2 3; do
  api GET /v1/files >/dev/null
  file=$(api POST /v1/files -F "file=@$work/data.csv;type=text/csv" | id)
  api GET "/v1/files/$file" >/dev/null
  api GET "/v1/files/$file/content" >/dev/null
  env=$(json POST /v1/environments "{\"name\":\"training $round\"}" | id)
  agent=$(json POST /v1/agents "{\"name\":\"training\",\"model\":\"claude-sonnet-4-6\"}" | id)
  session=$(json POST /v1/sessions "{\"agent\":\"$agent\",\"environment_id\":\"$env\"}" | id)
  resource=$(json POST "/v1/sessions/$session/resources" "{\"type\":\"file\",\"file_id\":\"$file\"}" | id)
  json POST "/v1/sessions/$session/resources" \
    "{\"type\":\"file\",\"file_id\":\"$file\",\"mount_path\":\"/data/in.csv\"}" >/dev/null
  api GET "/v1/sessions/$session/resources" >/dev/null
  api GET "/v1/sessions/$session/resources/$resource" >/dev/null
  json POST "/berth/v1/sessions/$session/exec" \
    '{"command":["sh","-c","wc -l /mnt/session/uploads/* > /mnt/session/outputs/n"]}' >/dev/null
  api GET "/v1/files?scope_id=$session" >/dev/null
  api DELETE "/v1/sessions/$session/resources/$resource" >/dev/null
  api GET /v1/sessions >/dev/null
  api GET "/v1/sessions/$session" >/dev/null
  api GET /v1/sessions/sesn_unknown >/dev/null
  json POST /v1/sessions '{"agent":' >/dev/null
  api DELETE "/v1/sessions/$session" >/dev/null
  api DELETE "/v1/files/$file" >/dev/null
  api GET /berth/v1/ready >/dev/null
  api GET /berth/v1/metrics >/dev/null
done

# The JVM writes the cache as it exits (a child JVM assembles it, a few seconds).
kill -TERM "$server"
status=0
wait "$server" || status=$?
server=
if [ ! -s "$cache" ]; then
  echo "aot-cache: the training run (exit $status) wrote no cache; see $log" >&2
  exit 1
fi
