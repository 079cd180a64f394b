#!/usr/bin/env bash
# Every ready UAC scenario against its counterpart (the scenario's peer, started as the built-in
# UAS): all calls succeed. Then the documented failures: a busy callee (486) and wrong credentials
# (403 from answer_auth.lua), and user data from an --inf file.
source "$(dirname "$0")/lib.sh"
need tshark tshark
CALLS=30

# check NAME JSON SUCCEEDED FAILED
check() {
  local got_ok got_failed
  got_ok=$(json "$2" 'r["calls"]["succeeded"]')
  got_failed=$(json "$2" 'r["calls"]["failed"]')
  [ "$got_ok" = "$3" ] && [ "$got_failed" = "$4" ] ||
    fail "$1: $got_ok succeeded and $got_failed failed, expected $3 and $4 ($(json "$2" 'r["calls"].get("failures", r["calls"]["failed_by_reason"])'))"
  echo "PASS $1: $got_ok succeeded, $got_failed failed"
}

for s in basic_call register options_ping message call_auth call_cancel call_hold transfer_refer \
  subscribe_notify call_100rel; do
  "$SIPSTORM" run "$ROOT/scenarios/$s.lua" --rate 30 --calls $CALLS --shards 2 -q --out "$WORK/$s.json" \
    >"$WORK/$s.log" 2>&1 || { cat "$WORK/$s.log"; fail "$s: exit code $?"; }
  check "$s" "$WORK/$s.json" $CALLS 0
done

# SHA-256 digest (RFC 7616): answer_auth.lua challenges with it, call_auth.lua answers it.
"$SIPSTORM" run "$ROOT/scenarios/call_auth.lua" --uas-set algorithm=SHA-256 --rate 30 --calls $CALLS -q \
  --out "$WORK/sha.json" --pcap "$WORK/sha.pcap" >"$WORK/sha.log" 2>&1 || { cat "$WORK/sha.log"; fail "sha-256: exit $?"; }
check "call_auth with SHA-256" "$WORK/sha.json" $CALLS 0
tshark_sip -r "$WORK/sha.pcap" -Y sip -T fields -e sip.Proxy-Authorization 2>/dev/null | grep -q "algorithm=SHA-256" ||
  fail "no SHA-256 credentials on the wire"

# A busy callee: every call ends with its 486, counted as a 4xx failure.
"$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --uas "$ROOT/scenarios/answer_busy.lua" --rate 30 --calls $CALLS \
  -q --out "$WORK/busy.json" >"$WORK/busy.log" 2>&1 || true
check "basic_call -> answer_busy" "$WORK/busy.json" 0 $CALLS
[ "$(json "$WORK/busy.json" 'r["calls"]["failed_by_reason"]["4xx"]')" = $CALLS ] || fail "486s not counted as 4xx"

# Wrong credentials: answer_auth.lua refuses them with 403, so the caller fails at once.
"$SIPSTORM" run "$ROOT/scenarios/call_auth.lua" --auth alice:wrong --rate 30 --calls $CALLS -q \
  --out "$WORK/wrong.json" >"$WORK/wrong.log" 2>&1 || true
check "call_auth with a wrong password" "$WORK/wrong.json" 0 $CALLS
grep -q "403" "$WORK/wrong.log" || fail "the wrong-password failures do not name the 403"

# User data: each REGISTER takes its user from users.csv; the pcap shows every one of them.
{ echo SEQUENTIAL; for i in $(seq 0 9); do echo "user$i;pw$i"; done; } >"$WORK/users.csv"
"$SIPSTORM" run "$ROOT/scenarios/register.lua" --inf "$WORK/users.csv" --set 'user=${field0}' \
  --set 'password=${field1}' --rate 30 --calls 10 --shards 2 -q --out "$WORK/inf.json" --pcap "$WORK/inf.pcap" \
  >"$WORK/inf.log" 2>&1 || { cat "$WORK/inf.log"; fail "register with --inf: exit code $?"; }
check "register with --inf" "$WORK/inf.json" 10 0
users=$(tshark_sip -r "$WORK/inf.pcap" -Y 'sip.Method == "REGISTER"' -T fields -e sip.from.user 2>/dev/null | sort -u | tr '\n' ' ')
[ "$users" = "user0 user1 user2 user3 user4 user5 user6 user7 user8 user9 " ] || fail "users from the CSV: '$users'"
echo "PASS --inf: each call took its own row ($users)"
