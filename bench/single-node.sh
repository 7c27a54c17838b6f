# Sourced by the single-node benchmarks: builds the jar, starts a fresh Berth on the embedded
# default in a temporary directory (stopped and removed on exit) with room for a large upload, and
# writes that large file of random bytes. Expects $root and $JAVA_HOME; takes the large file's size
# in MiB as $mib. Sets $work, $key, $port, $pid and $base, and $big (the large file).
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# shellcheck source=lib.sh
source "$root/bench/lib.sh"
bench_build_jar
key="sk-bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# shellcheck disable=SC2086 # BENCH_SERVER_OPTS: words on purpose
bench_start_berth "$work/berth.log" "$key" -Xmx1g ${BENCH_SERVER_OPTS:-} \
  -jar "${BERTH_JAR:-$root/berth-server/target/berth.jar}" --port 0 --data-dir "$work/data" \
  --api-key "$key@bench" --max-upload-bytes $(((mib + 1) * 1024 * 1024))
base=$url
port=${url##*:}
big="$work/big.bin"
head -c $((mib * 1024 * 1024)) /dev/urandom >"$big"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
