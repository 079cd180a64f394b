#!/usr/bin/env bash
# SIPp XML scenarios written the way users write them (tests/sippxml/), run by sipstorm: REGISTER
# with [authentication] from an injection file against the Kamailio registrar, an OPTIONS loop on
# variables (assign/add/test/next) with ereg check_it, CANCEL through the proxy, INVITE answering the
# proxy's 407, re-INVITEs with [fieldN], [routes] and [next_url]. Every call must succeed.
source "$(dirname "$0")/kamailio_lib.sh"
C=$ROOT/tests/sippxml
K1=25470 UAS1=25471 K2=25472 UAS2=25473 UAS3=25474 N=30

# check NAME JSON: every call succeeded.
check() {
  local ok failed
  ok=$(json "$2" 'r["calls"]["succeeded"]')
  failed=$(json "$2" 'r["calls"]["failed"]')
  [ "$ok" = $N ] && [ "$failed" = 0 ] || fail "$1: $ok succeeded, $failed failed ($(json "$2" 'r["calls"]["failed_by_detail"]'))"
  echo "ok: $1: $ok/$N"
}

start_kamailio $K1 $UAS1
{ echo SEQUENTIAL; for i in $(seq 0 99); do echo "user$i;pw$i"; done; } >"$WORK/users.csv"
"$SIPSTORM" run "$C/register_auth.xml" --target 127.0.0.1:$K1 --inf "$WORK/users.csv" --set domain=sipstorm.test \
  --rate 30 --calls $N -q --out "$WORK/register.json" || fail "register_auth.xml: exit code $?"
check "register_auth.xml ([authentication] from -inf, ereg check_it, test) via kamailio" "$WORK/register.json"

"$SIPSTORM" run "$C/options_loop.xml" --target 127.0.0.1:$K1 --rate 30 --calls $N -q --out "$WORK/options.json" ||
  fail "options_loop.xml: exit code $?"
check "options_loop.xml (assign/add/test/strcmp, next back) to kamailio" "$WORK/options.json"
[ "$(json "$WORK/options.json" 'r["messages"]["out"]["requests"]["OPTIONS"]')" = $((3 * N)) ] ||
  fail "options_loop.xml: not 3 OPTIONS a call"

"$SIPSTORM" serve "$ROOT/scenarios/answer_ring.lua" --listen 127.0.0.1:$UAS1 --set ring=30 --calls $N --duration 60 -q &
PIDS+=("$!")
wait_udp $UAS1
"$SIPSTORM" run "$C/cancel.xml" --target 127.0.0.1:$K1 --rate 30 --calls $N -q --out "$WORK/cancel.json" ||
  fail "cancel.xml: exit code $?"
check "cancel.xml via kamailio to answer_ring.lua" "$WORK/cancel.json"

start_kamailio $K2 $UAS2 with_invite_auth
"$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 127.0.0.1:$UAS2 --calls $N --duration 60 -q &
PIDS+=("$!")
wait_udp $UAS2
"$SIPSTORM" run "$C/invite_auth.xml" --target 127.0.0.1:$K2 --auth user7:pw7 --rate 30 --calls $N -q \
  --out "$WORK/auth.json" || fail "invite_auth.xml: exit code $?"
check "invite_auth.xml (407, [authentication], [routes]) via kamailio to answer.lua" "$WORK/auth.json"

{ echo SEQUENTIAL; for i in $(seq 0 9); do echo "caller$i"; done; } >"$WORK/names.csv"
"$SIPSTORM" serve "$ROOT/scenarios/answer_dialog.lua" --listen 127.0.0.1:$UAS3 --calls $N --duration 60 -q &
PIDS+=("$!")
wait_udp $UAS3
"$SIPSTORM" run "$C/reinvite.xml" --target 127.0.0.1:$UAS3 --inf "$WORK/names.csv" --rate 30 --calls $N -q \
  --out "$WORK/reinvite.json" || fail "reinvite.xml: exit code $?"
check "reinvite.xml ([field0], two re-INVITEs in a loop) to answer_dialog.lua" "$WORK/reinvite.json"
[ "$(json "$WORK/reinvite.json" 'r["messages"]["out"]["requests"]["INVITE"]')" = $((3 * N)) ] ||
  fail "reinvite.xml: not 3 INVITEs a call"
echo "PASS SIPp XML corpus"
