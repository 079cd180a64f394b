#!/usr/bin/env bash
# SIPp XML scenarios written the way users write them (tests/sippxml/), run by sipstorm: REGISTER
# with [authentication] from an injection file against the Kamailio registrar, an OPTIONS loop on
# variables (assign/add/test/next) with ereg check_it, CANCEL through the proxy, INVITE answering the
# proxy's 407, re-INVITEs with [fieldN], [routes] and [next_url], response-time timers and counters
# (their counts in the result file, XML and imported Lua alike), lost=, verifyauth against SIPp's UAC.
# Every call must succeed, and so must
# every call of the Lua scenario `sipstorm import` writes for each.
source "$(dirname "$0")/kamailio_lib.sh"
C=$ROOT/tests/sippxml
K1=25470 UAS1=25471 K2=25472 UAS2=25473 UAS3=25474 UAS4=25475 N=30

# both XML JSON [run options...]: runs the XML, then its imported Lua (import takes the same --set,
# --inf and --auth), each must have every call succeed.
both() {
  local xml=$1 out=$2 what=$3; shift 3
  local imp=() a
  local args=("$@")
  for ((a = 0; a < ${#args[@]}; a++)); do
    case "${args[a]}" in --set|--inf|--auth) imp+=("${args[a]}" "${args[a + 1]}") ;; esac
  done
  "$SIPSTORM" run "$C/$xml" "$@" --rate 30 --calls $N -q --out "$WORK/$out.json" || fail "$xml: exit code $?"
  check "$xml $what" "$WORK/$out.json"
  "$SIPSTORM" import "$C/$xml" "${imp[@]}" -o "$WORK/$out.lua" || fail "import $xml: exit code $?"
  "$SIPSTORM" run "$WORK/$out.lua" "$@" --rate 30 --calls $N -q --out "$WORK/$out.lua.json" || fail "$out.lua: exit code $?"
  check "imported $out.lua" "$WORK/$out.lua.json"
}

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
both register_auth.xml register "([authentication] from -inf, ereg check_it, test) via kamailio" \
  --target 127.0.0.1:$K1 --inf "$WORK/users.csv" --set domain=sipstorm.test
both options_loop.xml options "(assign/add/test/strcmp, next back) to kamailio" --target 127.0.0.1:$K1
[ "$(json "$WORK/options.json" 'r["messages"]["out"]["requests"]["OPTIONS"]')" = $((3 * N)) ] ||
  fail "options_loop.xml: not 3 OPTIONS a call"

"$SIPSTORM" serve "$ROOT/scenarios/answer_ring.lua" --listen 127.0.0.1:$UAS1 --set ring=30 --calls $((2 * N)) --duration 90 -q &
PIDS+=("$!")
wait_udp $UAS1
both cancel.xml cancel "via kamailio to answer_ring.lua" --target 127.0.0.1:$K1

start_kamailio $K2 $UAS2 with_invite_auth
"$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 127.0.0.1:$UAS2 --calls $((2 * N)) --duration 90 -q &
PIDS+=("$!")
wait_udp $UAS2
both invite_auth.xml auth "(407, [authentication], [routes]) via kamailio to answer.lua" --target 127.0.0.1:$K2 \
  --auth user7:pw7

{ echo SEQUENTIAL; for i in $(seq 0 9); do echo "caller$i"; done; } >"$WORK/names.csv"
"$SIPSTORM" serve "$ROOT/scenarios/answer_dialog.lua" --listen 127.0.0.1:$UAS3 --calls $((2 * N)) --duration 90 -q &
PIDS+=("$!")
wait_udp $UAS3
both reinvite.xml reinvite "([field0], two re-INVITEs in a loop) to answer_dialog.lua" --target 127.0.0.1:$UAS3 \
  --inf "$WORK/names.csv"
[ "$(json "$WORK/reinvite.json" 'r["messages"]["out"]["requests"]["INVITE"]')" = $((3 * N)) ] ||
  fail "reinvite.xml: not 3 INVITEs a call"
"$SIPSTORM" serve "$ROOT/scenarios/answer_dialog.lua" --listen 127.0.0.1:$UAS4 --calls $((5 * N)) --duration 90 -q \
  --out "$WORK/uas4.json" &
uas4=$!
PIDS+=("$!")
wait_udp $UAS4
both timers_counters.xml timers "(start_rtd/rtd/repeat_rtd, counter) to answer_dialog.lua" --target 127.0.0.1:$UAS4
for f in timers timers.lua; do
  got=$(json "$WORK/$f.json" '" ".join("%s=%d" % (k, v["count"]) for k, v in sorted(r["latency_ms"]["timers"].items())) + " " + " ".join("%s=%d" % kv for kv in sorted(r["counters"].items()))')
  [ "$got" = "bye=$N invite=$N ping=$((2 * N)) answered=$N pings=$((2 * N))" ] || fail "$f: timers and counters: $got"
  p99=$(json "$WORK/$f.json" 'r["latency_ms"]["timers"]["invite"]["p99"] > 0 and r["histograms"]["timer_us"]["invite"]["count"]')
  [ "$p99" = $N ] || fail "$f: the invite timer has no histogram of $N values: $p99"
  echo "ok: $f: $got"
done
# lost="30" on the INVITE (SIPp's emulated loss): the first transmissions that are not sent are
# retransmitted by Timer A, and every call still succeeds.
sed 's|<send retrans="500">|<send retrans="500" lost="30">|' "$ROOT/scenarios/sipp/uac.xml" >"$WORK/lossy.xml"
grep -q 'lost="30"' "$WORK/lossy.xml" || fail "lossy.xml: no lost= in the INVITE's send"
C=$WORK both lossy.xml lossy "(lost=30 on the INVITE)" --target 127.0.0.1:$UAS4 --set duration=0
for f in lossy lossy.lua; do
  retrans=$(json "$WORK/$f.json" 'r["retransmissions"]["by_type"]["invite"]')
  [ "$retrans" -gt 0 ] || fail "$f: no INVITE retransmissions with lost=30"
  echo "ok: $f: $retrans INVITE retransmissions"
done

# setdest: the calls are sent to answer_dialog.lua although the target is the discard port.
sed "0,/<send/s|<send|<nop><action><setdest host=\"127.0.0.1\" port=\"$UAS4\" protocol=\"udp\"/></action></nop>\n  <send|" \
  "$ROOT/scenarios/sipp/uac.xml" >"$WORK/setdest.xml"
grep -q '<setdest' "$WORK/setdest.xml" || fail "setdest.xml: no setdest"
"$SIPSTORM" run "$WORK/setdest.xml" --target 127.0.0.1:9 --set duration=0 --rate 30 --calls $N -q --out "$WORK/setdest.json" ||
  fail "setdest.xml: exit code $?"
check "setdest.xml (target :9, setdest to :$UAS4)" "$WORK/setdest.json"
wait "$uas4" || fail "serve answer_dialog.lua: exit $?"
[ "$(json "$WORK/uas4.json" 'r["calls"]["succeeded"]')" = $((5 * N)) ] || fail "answer_dialog.lua: $(json "$WORK/uas4.json" 'r["calls"]')"
# verifyauth: a registrar in SIPp XML that checks credentials itself, served by sipstorm; SIPp's own
# UAC registers with the right password (200, "accepted"), sipstorm with a wrong one (403, "refused").
need sipp sip-tester
UAS5=25476
"$SIPSTORM" serve "$C/verifyauth_uas.xml" --listen 127.0.0.1:$UAS5 --calls $((2 * 5)) --duration 60 -q --out "$WORK/va.json" &
vapid=$!; PIDS+=("$vapid")
wait_udp $UAS5
(cd "$WORK" && sipp -sf "$C/register_once.xml" -au alice -ap secret -m 5 -r 5 -nostdin -i 127.0.0.1 -p $((UAS5 + 100)) \
  127.0.0.1:$UAS5 >"$WORK/va_sipp.txt" 2>&1) || fail "SIPp register_once.xml (right password) -> verifyauth_uas.xml: exit $?"
set +e
"$SIPSTORM" run "$C/register_once.xml" --auth alice:wrong --target 127.0.0.1:$UAS5 --calls 5 --rate 5 -q --out "$WORK/va_bad.json"
rc=$?
set -e
[ $rc = 1 ] || fail "register_once.xml with a wrong password: exit $rc, expected 1 (every call refused)"
wait "$vapid" || fail "serve verifyauth_uas.xml: exit code $?"
got=$(json "$WORK/va.json" '" ".join("%s=%d" % kv for kv in sorted(r["counters"].items()))')
[ "$got" = "accepted=5 refused=5" ] || fail "verifyauth_uas.xml counters: $got"
echo "ok: verifyauth: SIPp with the right password accepted, sipstorm with a wrong one refused: $got"
echo "PASS SIPp XML corpus"
