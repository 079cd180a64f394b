# Kamailio fixture helpers for the integration tests (see kamailio/README.md).
# Source after lib.sh (it is sourced here if it was not): uses WORK, PIDS, fail, wait_udp.
#
#   start_kamailio PORT UAS_PORT [with_invite_auth] [EXTRA_DEFINE...]
#     Starts Kamailio in the foreground as a background child listening on
#     udp:127.0.0.1:PORT, relaying initial requests to sip:127.0.0.1:UAS_PORT,
#     records its PID in PIDS (killed by lib.sh's EXIT trap) and in KAMAILIO_PID,
#     and waits until it answers an OPTIONS. The third argument "with_invite_auth"
#     (or "1"/"yes") challenges INVITEs with 407; "" or "no" leaves them unchallenged.
#     Further arguments are extra config defines, e.g. WITH_SHA256, WITH_TRACE,
#     'DEFAULT_PASSWORD="x"'. Log: $KAMAILIO_LOG ($WORK/kamailio-PORT.log).
#   stop_kamailio: SIGTERM to KAMAILIO_PID and wait (optional; the trap also does it).
#   kamailio_log_dump: prints the tail of the log on stderr.
# Environment: KAMAILIO (binary, default kamailio), KAMAILIO_CHILDREN (UDP workers, default 1: with more, a 180 and
# a 200 sent back to back by the UAS can be relayed out of order).

if ! declare -F wait_udp >/dev/null; then
  source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

[ -n "${KAMAILIO:-}" ] || need kamailio kamailio
KAMAILIO_CFG="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kamailio/kamailio.cfg"
KAMAILIO_PID=
KAMAILIO_LOG=

kamailio_log_dump() {
  [ -n "$KAMAILIO_LOG" ] && [ -f "$KAMAILIO_LOG" ] || return 0
  echo "---- kamailio log ($KAMAILIO_LOG, last 60 lines) ----" >&2
  tail -n 60 "$KAMAILIO_LOG" >&2
  echo "---- end of kamailio log ----" >&2
}

# Sends one OPTIONS to sip:127.0.0.1:PORT and succeeds on a 200 within 0.5 s.
# (Python rather than sipsak: sipsak 0.9.8.1 truncates 5-digit ports in the R-URI.)
kamailio_ping() {
  python3 - "$1" <<'PY'
import random, socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(0.5)
lp = s.getsockname()[1]
tag = random.getrandbits(32)
msg = (f"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n"
       f"Via: SIP/2.0/UDP 127.0.0.1:{lp};branch=z9hG4bK-ping{tag};rport\r\n"
       "Max-Forwards: 70\r\n"
       f"From: <sip:ping@127.0.0.1:{lp}>;tag={tag}\r\n"
       f"To: <sip:127.0.0.1:{port}>\r\n"
       f"Call-ID: ping-{tag}@127.0.0.1\r\n"
       "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
s.sendto(msg.encode(), ("127.0.0.1", port))
try:
    data = s.recv(65535)
except OSError:
    sys.exit(1)
sys.exit(0 if data.startswith(b"SIP/2.0 200 ") else 1)
PY
}

start_kamailio() {
  local port=${1:?start_kamailio PORT UAS_PORT [with_invite_auth] [DEFINE...]}
  local uas_port=${2:?start_kamailio PORT UAS_PORT [with_invite_auth] [DEFINE...]}
  local auth=${3:-}
  shift 2; [ $# -gt 0 ] && shift
  local defs=(-A "UAS_URI=\"sip:127.0.0.1:$uas_port\"")
  case "$auth" in
    ""|no|0|without_invite_auth) ;;
    with_invite_auth|yes|1|WITH_INVITE_AUTH) defs+=(-A WITH_INVITE_AUTH) ;;
    *) fail "start_kamailio: third argument must be with_invite_auth or empty, got '$auth'" ;;
  esac
  local d; for d in "$@"; do defs+=(-A "$d"); done
  # a listener already there would answer the readiness probe in our place
  if ss -H -uln "sport = :$port" | grep -q .; then
    fail "start_kamailio: udp port $port on 127.0.0.1 is already in use"
  fi
  local run="$WORK/kamailio-$port"
  mkdir -p "$run"
  KAMAILIO_LOG="$WORK/kamailio-$port.log"
  # -DD: no daemonizing, the main process stays our child (it forks its workers and
  # kills them on SIGTERM). -Y/-P/-w: runtime dir, pid file and cwd under $WORK.
  "${KAMAILIO:-kamailio}" -f "$KAMAILIO_CFG" -DD -E -n "${KAMAILIO_CHILDREN:-1}" -m 64 -M 8 \
    -Y "$run" -P "$run/kamailio.pid" -w "$run" -l "udp:127.0.0.1:$port" "${defs[@]}" \
    >"$KAMAILIO_LOG" 2>&1 &
  KAMAILIO_PID=$!
  PIDS+=("$KAMAILIO_PID")
  local i
  for i in $(seq 50); do
    if ! kill -0 "$KAMAILIO_PID" 2>/dev/null; then
      kamailio_log_dump; fail "kamailio on udp 127.0.0.1:$port exited during start-up"
    fi
    if ss -H -uln "sport = :$port" | grep -q . && kamailio_ping "$port"; then
      return 0
    fi
    sleep 0.1
  done
  kamailio_log_dump
  fail "kamailio on udp 127.0.0.1:$port did not answer OPTIONS within 5 s"
}

stop_kamailio() {
  [ -n "$KAMAILIO_PID" ] || return 0
  kill "$KAMAILIO_PID" 2>/dev/null || true
  wait "$KAMAILIO_PID" 2>/dev/null || true
  KAMAILIO_PID=
}
