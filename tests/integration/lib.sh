# Shared helpers for the integration tests: peers are started on loopback and stopped by PID.
set -euo pipefail
SIPSTORM=${SIPSTORM:?set SIPSTORM to the built binary}
ROOT=${ROOT:?set ROOT to the source tree}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# shellcheck source=tests/need.sh
source "$ROOT/tests/need.sh"  # need COMMAND PACKAGE
need ss iproute2  # wait_udp

# tshark_sip ARGS...: tshark with SIP's heuristics tried before port numbers. Peers listen on
# ephemeral ports, which tshark may map to another protocol (44818 is EtherNet/IP) and so hide SIP.
tshark_sip() { tshark -o tcp.try_heuristic_first:TRUE -o udp.try_heuristic_first:TRUE "$@"; }

# json FILE EXPR: prints a value of the result file (EXPR is Python over `r`).
json() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }

# Fails when something already listens on these UDP ports: a peer left over from another run would
# answer in place of the one this test starts (whose bind then fails), with another run's state.
need_free_udp() {
  local p
  for p in "$@"; do
    ss -H -uln "sport = :$p" | grep -q . && fail "udp port $p is already in use by another process (a peer left from another run?)"
  done
  return 0
}

# Waits until a UDP port on 127.0.0.1 has a listener (up to 5 s).
wait_udp() {
  for _ in $(seq 50); do
    ss -H -uln "sport = :$1" | grep -q . && return 0
    sleep 0.1
  done
  fail "nothing listens on udp port $1"
}

# Waits until a TCP port on 127.0.0.1 has a listener (up to 5 s).
wait_tcp() {
  for _ in $(seq 50); do
    ss -H -tln "sport = :$1" | grep -q . && return 0
    sleep 0.1
  done
  fail "nothing listens on tcp port $1"
}
