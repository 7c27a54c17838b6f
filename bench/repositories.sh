#!/usr/bin/env bash
# GitHub repository benchmark: serves a generated repository (about 10,000 files, 100 MB) from the
# test git server (dev.berth.testing.GitHttpServer), then bench/RepositoryBench.java times, round
# after round on a fresh Berth each (cold mirror cache): a plain `git clone` of it, the first
# session on it until a command runs, and a second session on it. Needs root and bubblewrap (as the
# sandbox tests do), git and prlimit.
# Usage: bench/repositories.sh [rounds] [files] [bytes]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/jdk.sh"
rounds=${1:-5}
files=${2:-10000}
bytes=${3:-100000000}
work=$(mktemp -d)
git_pid=
cleanup() {
  if [ -n "$git_pid" ]; then kill "$git_pid" 2>/dev/null || true; wait "$git_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && mvn -q -B -DskipTests clean package)
"$JAVA_HOME/bin/java" -cp "$root/berth-server/target/test-classes" dev.berth.testing.GitHttpServer \
  "$work/git" 0 --generate bench/big "$files" "$bytes" >"$work/git.url" 2>"$work/git.log" &
git_pid=$!
for _ in $(seq 1 600); do
  [ -s "$work/git.url" ] && break
  kill -0 "$git_pid" 2>/dev/null || { cat "$work/git.log"; exit 1; }
  sleep 0.2
done
git_url=$(head -1 "$work/git.url")
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg); java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1); $(git --version); $(bwrap --version)"
echo "repository: $files files, $bytes bytes of files, $(du -sh "$work/git/bench/big.git" | cut -f1) packed"
"$JAVA_HOME/bin/java" -cp "$root/berth-server/target/berth.jar" "$root/bench/RepositoryBench.java" \
  "$root/berth-server/target/berth.jar" "$git_url" bench/big "$work/rounds" "$rounds" $((2 * 1024 * 1024 * 1024))
