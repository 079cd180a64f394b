#!/usr/bin/env bash
# sipstorm UAC -> SIPp's built-in UAS: every call succeeds.
source "$(dirname "$0")/lib.sh"
need sipp sip-tester
need pgrep procps
PORT=25061
(cd "$WORK" && exec sipp -sn uas -i 127.0.0.1 -p $PORT -nostdin -bg >/dev/null 2>&1) || true
# -bg forks: find the daemon by its unique port, by PID.
for _ in $(seq 50); do pid=$(pgrep -f "sipp -sn uas -i 127.0.0.1 -p $PORT" || true); [ -n "$pid" ] && break; sleep 0.1; done
[ -n "$pid" ] || fail "SIPp UAS did not start"
PIDS+=("$pid")
wait_udp $PORT
"$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target 127.0.0.1:$PORT --calls 300 --rate 150 --shards 2 \
  -q --out "$WORK/r.json" || fail "sipstorm exit code $?"
[ "$(json "$WORK/r.json" 'r["calls"]["succeeded"]')" = 300 ] || fail "not all calls succeeded"
[ "$(json "$WORK/r.json" 'r["calls"]["failed"]')" = 0 ] || fail "failed calls"
echo "PASS sipstorm -> sipp uas: 300/300"
