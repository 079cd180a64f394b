#!/usr/bin/env bash
# sipstorm run -> sipstorm serve, several shards on each side, and the built-in UAS.
source "$(dirname "$0")/lib.sh"
PORT=25064
"$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 127.0.0.1:$PORT --shards 2 -q > "$WORK/serve.log" 2>&1 &
PIDS+=("$!")
wait_udp $PORT
"$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target 127.0.0.1:$PORT --calls 3000 --rate 1000 --shards 2 \
  -q --out "$WORK/r.json" || fail "run exit code $?"
[ "$(json "$WORK/r.json" 'r["calls"]["succeeded"]')" = 3000 ] || fail "not all calls succeeded"
[ "$(json "$WORK/r.json" 'r["shards"]')" = 2 ] || fail "expected 2 shards"
# The built-in UAS (no --target), with a hold time and Poisson arrivals.
"$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --calls 200 --rate 200 --arrivals poisson --set hold=0.2 \
  --shards 2 -q --out "$WORK/b.json" || fail "built-in UAS run exit code $?"
[ "$(json "$WORK/b.json" 'r["calls"]["succeeded"]')" = 200 ] || fail "built-in UAS: not all calls succeeded"
# IPv6 on ::1, when the machine has it.
if ip -6 addr show dev lo 2>/dev/null | grep -q "::1"; then
  "$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen "[::1]:$PORT" --shards 1 -q > "$WORK/serve6.log" 2>&1 &
  PIDS+=("$!")
  sleep 0.5
  "$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target "[::1]:$PORT" --calls 100 --rate 100 --shards 1 \
    -q --out "$WORK/v6.json" || fail "IPv6 run exit code $?"
  [ "$(json "$WORK/v6.json" 'r["calls"]["succeeded"]')" = 100 ] || fail "IPv6: not all calls succeeded"
fi
echo "PASS sipstorm -> sipstorm"
