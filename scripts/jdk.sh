# Sourced by ./berth, sdk-tests/ts/run and bench/*.sh: sets and exports JAVA_HOME to the newest
# JDK 21+ it can find (JAVA_HOME first, then javac on the PATH, then the usual install dirs).
# The machine's default java may be older (Debian's is 17), so it is never trusted blindly.

# The JDK's major version: from its release file, which every JDK since 9 has (reading it costs
# nothing, where asking the JVM starts one), else from the JVM itself.
java_major() {
  local major=""
  [ -f "$1/release" ] && major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release")
  if [ -z "$major" ]; then
    major=$("$1/bin/java" -XshowSettings:properties -version 2>&1 |
      awk -F'= ' '/java.specification.version/ { split($2, v, "."); print v[1]; exit }')
  fi
  echo "$major"
}

find_jdk() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  command -v javac >/dev/null 2>&1 && candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  for d in /usr/lib/jvm/* /opt/java/* /opt/jdk*; do [ -d "$d" ] && candidates+=("$d"); done
  local best="" best_major=0
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    local major; major=$(java_major "$c" || echo 0)
    if [ "${major:-0}" -ge 21 ] && [ "$major" -gt "$best_major" ]; then best=$c; best_major=$major; fi
  done
  [ -n "$best" ] || { echo "berth: no JDK 21 or newer found; install one or set JAVA_HOME" >&2; return 1; }
  echo "$best"
}

JAVA_HOME=$(find_jdk) || exit 1
export JAVA_HOME

# Mount paths may be any UTF-8; the JVM encodes file names with the locale's charset, so make
# sure that is UTF-8 (C.UTF-8 exists on every Debian).
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
  *UTF-8* | *utf8* | *UTF8* | *utf-8*) ;;
  *) export LC_ALL=C.UTF-8 ;;
esac
