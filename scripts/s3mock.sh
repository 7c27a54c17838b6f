# Starts Adobe S3Mock, the S3-compatible server of the tests and benchmarks, from the jar the build
# copies to berth-server/target/s3mock/s3mock.jar (`mvn generate-test-resources` is enough to get it).
#   source scripts/s3mock.sh; s3mock_start DIR   sets S3MOCK_ENDPOINT (http://127.0.0.1:PORT) and
#                                                  S3MOCK_PID; the server keeps its objects in DIR
# The caller stops it: kill "$S3MOCK_PID". Needs JAVA_HOME (scripts/jdk.sh).
s3mock_start() {
  local dir=$1 root jar
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  jar="$root/berth-server/target/s3mock/s3mock.jar"
  if [ ! -f "$jar" ]; then
    (cd "$root" && mvn -q -B generate-test-resources) >&2
  fi
  mkdir -p "$dir"
  "$JAVA_HOME/bin/java" -Xmx384m -XX:TieredStopAtLevel=1 -jar "$jar" --server.port=0 \
    --com.adobe.testing.s3mock.http-port=0 --com.adobe.testing.s3mock.store.root="$dir/root" \
    >"$dir/s3mock.log" 2>&1 &
  S3MOCK_PID=$!
  local port=""
  for _ in $(seq 1 600); do
    kill -0 "$S3MOCK_PID" 2>/dev/null || { echo "S3Mock exited during start-up" >&2; tail "$dir/s3mock.log" >&2; return 1; }
    port=$(sed -n 's/.*Tomcat started on ports\{0,1\} .*[^0-9]\([0-9][0-9]*\) (http).*/\1/p' "$dir/s3mock.log" | head -n 1)
    [ -n "$port" ] && break
    sleep 0.2
  done
  [ -n "$port" ] || { echo "S3Mock did not start within 120 s" >&2; return 1; }
  S3MOCK_ENDPOINT="http://127.0.0.1:$port"
  export S3MOCK_ENDPOINT S3MOCK_PID
}
