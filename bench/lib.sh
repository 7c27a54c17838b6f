# Sourced by the benchmark scripts: the two steps each of them takes to get a Berth to measure.
# Expects $root (the checkout) and $JAVA_HOME (scripts/jdk.sh).

# Builds berth-server/target/berth.jar when it is missing or older than the sources or poms, as
# ./berth does; a jar given by the caller (BERTH_JAR) is never rebuilt.
bench_build_jar() {
  local jar="$root/berth-server/target/berth.jar"
  [ -z "${BERTH_JAR:-}" ] || return 0
  if [ ! -f "$jar" ] ||
    [ -n "$(find "$root/berth-server/src/main" "$root"/pom.xml "$root"/berth-server/pom.xml -newer "$jar" -print -quit)" ]; then
    (cd "$root" && mvn -q -B -DskipTests clean package -pl berth-server)
  fi
}

# bench_start_berth LOG KEY JAVA_ARGS... : starts `java JAVA_ARGS...` in the background (the jar,
# serve --port 0 and its options: the caller's), its output in LOG, and waits until it listens and
# answers GET /v1/files to KEY. Sets $pid, and $url (http://host:port); exits with the log if the
# server does not answer within 30 s.
bench_start_berth() {
  local log=$1 key=$2
  shift 2
  "$JAVA_HOME/bin/java" "$@" >"$log" 2>&1 &
  pid=$!
  url=""
  for _ in $(seq 1 300); do
    url=$(sed -n 's#.*Berth listening on \(http://[^ ]*\) .*#\1#p' "$log" | head -n 1)
    [ -n "$url" ] && curl -fsS -o /dev/null -H "x-api-key: $key" "$url/v1/files" 2>/dev/null && return 0
    url=""
    sleep 0.1 # polls the log and the port; 300 tries
  done
  echo "server did not start:" >&2
  cat "$log" >&2
  exit 1
}
