#!/usr/bin/env bash
# The ready scenarios through Kamailio (tests/integration/kamailio/kamailio.cfg, started here on
# loopback): options_ping.lua probes the server itself; register.lua registers users from a CSV with digest authentication (userN / pwN),
# refreshes and unregisters; call_cancel.lua goes through the record-routing proxy to sipstorm serve
# answer_ring.lua; call_auth.lua answers the proxy's 407 and calls through it to answer.lua.
source "$(dirname "$0")/kamailio_lib.sh"
K1=25170 UAS1=25171 K2=25172 UAS2=25173 CALLS=40

# check NAME JSON: every call succeeded.
check() {
  local ok failed
  ok=$(json "$2" 'r["calls"]["succeeded"]')
  failed=$(json "$2" 'r["calls"]["failed"]')
  [ "$ok" = $CALLS ] && [ "$failed" = 0 ] || {
    tail -40 "$KAMAILIO_LOG"
    fail "$1: $ok succeeded, $failed failed ($(json "$2" 'r["calls"]["failed_by_reason"]'))"
  }
  echo "PASS $1: $ok/$CALLS"
}

start_kamailio $K1 $UAS1
{ echo RANDOM; for i in $(seq 0 99); do echo "user$i;pw$i"; done; } >"$WORK/users.csv"
"$SIPSTORM" run "$ROOT/scenarios/register.lua" --target 127.0.0.1:$K1 --inf "$WORK/users.csv" \
  --inf-names user,password --set 'user=${users.user}' --set 'password=${users.password}' \
  --rate 40 --calls $CALLS -q --out "$WORK/register.json" >"$WORK/register.log" 2>&1 ||
  { cat "$WORK/register.log"; fail "register.lua via kamailio: exit code $?"; }
check "register.lua (digest, CSV users) via kamailio" "$WORK/register.json"
# Kamailio challenged and then accepted each registration, refresh and unregistration.
[ "$(json "$WORK/register.json" 'r["messages"]["in"]["responses"]["4xx"]')" -ge $CALLS ] ||
  fail "kamailio did not challenge the REGISTERs"

# options_ping.lua asks the server itself (OPTIONS sip:HOST:PORT), which Kamailio answers; asking a
# user it does not know (--set service=) is a 404, so the default must not name one.
"$SIPSTORM" run "$ROOT/scenarios/options_ping.lua" --target 127.0.0.1:$K1 --rate 40 --calls $CALLS -q \
  --out "$WORK/options.json" >"$WORK/options.log" 2>&1 || { cat "$WORK/options.log"; fail "options_ping: exit $?"; }
check "options_ping.lua to kamailio itself" "$WORK/options.json"
"$SIPSTORM" run "$ROOT/scenarios/options_ping.lua" --target 127.0.0.1:$K1 --set service=nobody --rate 40 \
  --calls 5 -q --out "$WORK/options_user.json" >"$WORK/options_user.log" 2>&1 && fail "OPTIONS to an unknown user succeeded"
[ "$(json "$WORK/options_user.json" 'r["calls"]["failed"]')" = 5 ] || fail "OPTIONS sip:nobody@: expected 5 failed calls"
echo "PASS options_ping.lua --set service=nobody: 5 failed (404)"

"$SIPSTORM" serve "$ROOT/scenarios/answer_ring.lua" --listen 127.0.0.1:$UAS1 --set ring=30 --calls $CALLS \
  --duration 60 -q --out "$WORK/ring.json" >"$WORK/ring.log" 2>&1 &
PIDS+=("$!")
wait_udp $UAS1
"$SIPSTORM" run "$ROOT/scenarios/call_cancel.lua" --target 127.0.0.1:$K1 --set ring=0.3 --rate 40 --calls $CALLS \
  -q --out "$WORK/cancel.json" >"$WORK/cancel.log" 2>&1 || { cat "$WORK/cancel.log"; fail "call_cancel: exit $?"; }
check "call_cancel.lua via kamailio to answer_ring.lua" "$WORK/cancel.json"

start_kamailio $K2 $UAS2 with_invite_auth
"$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 127.0.0.1:$UAS2 --calls $CALLS --duration 60 -q \
  --out "$WORK/answer.json" >"$WORK/answer.log" 2>&1 &
PIDS+=("$!")
wait_udp $UAS2
"$SIPSTORM" run "$ROOT/scenarios/call_auth.lua" --target 127.0.0.1:$K2 --auth user7:pw7 --rate 40 --calls $CALLS \
  -q --out "$WORK/auth.json" >"$WORK/auth.log" 2>&1 || { cat "$WORK/auth.log"; fail "call_auth: exit $?"; }
check "call_auth.lua (407) via kamailio to answer.lua" "$WORK/auth.json"
