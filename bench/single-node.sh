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
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$JAVA_HOME/bin/java" -Xmx1g ${BENCH_SERVER_OPTS:-} -jar "$root/berth-server/target/berth.jar" --port "$port" --data-dir "$work/data" \
  --api-key "$key@bench" --max-upload-bytes $(( (mib + 1) * 1024 * 1024 )) >"$work/berth.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -sf -o /dev/null -H "x-api-key: $key" "$base/v1/files" && break
  sleep 0.2
done
big="$work/big.bin"
head -c $((mib * 1024 * 1024)) /dev/urandom >"$big"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
