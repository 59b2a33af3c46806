# shellcheck shell=bash
# Shared helpers for scripts/*. Source it; do not run it.

# Repository root (this file is scripts/lib/common.sh).
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export REPO

_SLUICE_SCRIPT="$(basename "${0:-sluice}")"

log()  { printf '%s [%s] %s\n' "$(date +%H:%M:%S)" "$_SLUICE_SCRIPT" "$*" >&2; }
warn() { log "WARNING: $*"; }
die()  { log "ERROR: $*"; exit 1; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# Milliseconds since the epoch, and a "1.2 s" rendering of a duration since $1.
now_ms() { date +%s%3N; }
elapsed() { local d=$(( $(now_ms) - $1 )); printf '%d.%d s' $((d / 1000)) $(((d % 1000) / 100)); }

# Major version of a java binary ("1.8.0_x" -> 8, "17.0.15" -> 17, "25" -> 25); empty if it does not run.
java_major() {
  local out v
  out="$("$1" -version 2>&1)" || return 0
  v="$(sed -n 's/.* version "\([^"]*\)".*/\1/p' <<<"$out" | head -n1)"
  [[ -n $v ]] || return 0
  if [[ $v == 1.* ]]; then v="${v#1.}"; fi
  printf '%s\n' "${v%%[.+-]*}"
}

# Find a JDK >= $1 (default 21): $JAVA_HOME if good enough, else the newest /usr/lib/jvm/*.
# Exports JAVA_HOME and puts its bin first on PATH.
find_jdk() {
  local min="${1:-21}" best="" best_major=0 d m
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    m="$(java_major "$JAVA_HOME/bin/java")"
    if [[ -n $m && $m -ge $min ]]; then best="$JAVA_HOME"; best_major=$m; fi
  fi
  if [[ -z $best ]]; then
    for d in /usr/lib/jvm/*/; do
      d="${d%/}"
      [[ -x $d/bin/java && -x $d/bin/javac ]] || continue
      m="$(java_major "$d/bin/java")"
      [[ -n $m ]] || continue
      if (( m >= min && m > best_major )); then best="$d"; best_major=$m; fi
    done
  fi
  if [[ -z $best ]]; then
    die "no JDK >= $min found (JAVA_HOME='${JAVA_HOME:-}' is older or unset, and none under /usr/lib/jvm/*). Install a JDK 21+ (e.g. Temurin) under /usr/lib/jvm, or point JAVA_HOME at one."
  fi
  best="$(cd "$best" && pwd -P)"
  export JAVA_HOME="$best" JAVA_MAJOR="$best_major"
  case ":$PATH:" in
    *":$JAVA_HOME/bin:"*) ;;
    *) export PATH="$JAVA_HOME/bin:$PATH" ;;
  esac
}

# The Maven Wrapper of the repo. On JDK 24+ Maven's own Guice prints sun.misc.Unsafe warnings: silence them.
mvnw() {
  local opts="${MAVEN_OPTS:-}"
  if (( ${JAVA_MAJOR:-0} >= 24 )) && [[ $opts != *sun-misc-unsafe-memory-access* ]]; then
    opts="${opts:+$opts }--sun-misc-unsafe-memory-access=allow"
  fi
  (cd "$REPO" && MAVEN_OPTS="$opts" ./mvnw "$@")
}

# True if something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Who listens on TCP port $1 (best effort, for error messages).
port_owner() {
  if command -v ss >/dev/null 2>&1; then
    ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\(.*\)))$/\1/p' | head -n1
  fi
}

# True if nothing listens on TCP port $1 (any address).
port_free() {
  if command -v ss >/dev/null 2>&1; then
    [[ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]
  else
    ! port_open "$1"
  fi
}

# Fail unless every given port is free; names the port and its owner.
require_ports_free() {
  local what="$1" p owner; shift
  for p in "$@"; do
    if ! port_free "$p"; then
      owner="$(port_owner "$p")"
      die "$what: port $p is already in use${owner:+ by $owner} (not a server of this profile). Stop it, or choose another port (see scripts/infra --help)."
    fi
  done
}

# wait_for_port PORT TIMEOUT_SECONDS [PID]: poll until the port answers; gives up early if PID dies.
wait_for_port() {
  local port="$1" timeout="$2" pid="${3:-}" deadline
  deadline=$(( $(date +%s) + timeout ))
  while ! port_open "$port"; do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    (( $(date +%s) < deadline )) || return 1
    sleep 0.2
  done
}

# True if process $1 is alive (and not a zombie) and, if $2 is given, its command line contains $2.
pid_alive() {
  local pid="$1" needle="${2:-}" state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [[ $state != Z ]] || return 1
  if [[ -n $needle ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$needle" || return 1
  fi
}

read_pid() { if [[ -f $1 ]]; then head -n1 "$1" | tr -dc '0-9'; fi; true; }

# stop_pid PID TIMEOUT_SECONDS: SIGTERM, wait, then SIGKILL. Returns when the process is gone.
stop_pid() {
  local pid="$1" timeout="$2" deadline
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(( $(now_ms) + timeout * 1000 ))
  while pid_alive "$pid"; do
    if (( $(now_ms) >= deadline )); then
      warn "pid $pid did not stop within ${timeout}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
      break
    fi
    sleep 0.1
  done
}
