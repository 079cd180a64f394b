#!/usr/bin/env bash
# SIPp's built-in UAC -> sipstorm serve scenarios/answer.lua: every call succeeds on both sides.
source "$(dirname "$0")/lib.sh"
need sipp sip-tester
PORT=25062
"$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 127.0.0.1:$PORT --shards 2 --calls 300 --duration 60 \
  -q --out "$WORK/serve.json" > "$WORK/serve.log" 2>&1 &
SERVE=$!
PIDS+=("$SERVE")
wait_udp $PORT
(cd "$WORK" && sipp -sn uac 127.0.0.1:$PORT -i 127.0.0.1 -p 25063 -m 300 -r 150 -nostdin >/dev/null 2>&1) \
  || fail "SIPp UAC reported failed calls (exit $?)"
wait "$SERVE" || fail "sipstorm serve exit code $?"
PIDS=()
[ "$(json "$WORK/serve.json" 'r["calls"]["succeeded"]')" = 300 ] || fail "serve did not complete 300 calls"
echo "PASS sipp uac -> sipstorm serve: 300/300"
