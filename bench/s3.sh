#!/usr/bin/env bash
# S3 transfers against the AWS SDK's transfer manager: upload and download of one large file to
# S3Mock, Berth's S3 blob store (parts in parallel) and the SDK's S3TransferManager (Java-based
# multipart S3AsyncClient on Netty) with the same part size and concurrency, rounds interleaved
# (bench/S3Bench.java). The transfer manager's classpath comes from bench/s3-transfer-manager/pom.xml.
# Both reach S3Mock over HTTPS, as they reach AWS (its self-signed certificate, for localhost, in a
# trust store of the run); BENCH_S3_SCHEME=http uses its plain port. Either way both send part
# bodies as UNSIGNED-PAYLOAD, with no checksum (Berth through UnsignedPayloadAuthScheme over HTTP).
# Usage: bench/s3.sh [MiB] [rounds] [part-MiB] [parallelism]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/jdk.sh"
source "$root/scripts/s3mock.sh"
mib=${1:-512}
rounds=${2:-5}
part_mib=${3:-16}
parallelism=${4:-8}
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

jar=${BERTH_JAR:-$root/berth-server/target/berth.jar}
[ -f "$jar" ] || (cd "$root" && mvn -q -B -DskipTests package -pl berth-server -am)
(cd "$root" && mvn -q -B -f bench/s3-transfer-manager dependency:build-classpath \
  -Dmdep.outputFile="$work/tm.classpath")
s3mock_start "$work/s3"
pid=$S3MOCK_PID
endpoint=$S3MOCK_ENDPOINT
tls=()
if [ "${BENCH_S3_SCHEME:-https}" = https ]; then
  port=$(sed -n 's/.*Tomcat started on ports\{0,1\} \([0-9]*\) (https).*/\1/p' "$work/s3/s3mock.log" | head -n 1)
  "$JAVA_HOME/bin/keytool" -printcert -rfc -sslserver "localhost:$port" >"$work/s3mock.pem"
  "$JAVA_HOME/bin/keytool" -importcert -noprompt -alias s3mock -file "$work/s3mock.pem" \
    -keystore "$work/trust.p12" -storetype PKCS12 -storepass bench-trust >/dev/null
  tls=(-Djavax.net.ssl.trustStore="$work/trust.p12" -Djavax.net.ssl.trustStorePassword=bench-trust)
  endpoint="https://localhost:$port"
fi
head -c $((mib * 1024 * 1024)) /dev/urandom >"$work/file.bin"
echo "endpoint: $endpoint; machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$JAVA_HOME/bin/java" ${BENCH_JAVA_OPTS:-} "${tls[@]}" -Xmx1g -cp "$jar:$(cat "$work/tm.classpath")" "$root/bench/S3Bench.java" \
  "$endpoint" "$work/file.bin" "$work" "$rounds" $((part_mib * 1024 * 1024)) "$parallelism"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
