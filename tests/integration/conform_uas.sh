#!/usr/bin/env bash
# sipstorm conform --role uas, each case shown to pass on one target and fail on another:
#  - a reference UAS (tests/integration/conform/fault_uas.py) passes every case (UAS-041 is n/a: it
#    answers calls; the same UAS with --refuse 486 makes UAS-041 pass);
#  - the same UAS with one fault each fails exactly the cases of that fault (FAULTS below), no other;
#  - sipstorm serve scenarios/answer.lua (ring=2) gives the verdicts of EXPECT_SERVE, the same in 3 runs;
#  - the torture suite against sipstorm serve: every RFC 4475/5118 message but longreq (FINDINGS in
#    README) gets the manifest's answer, and serve keeps answering.
source "$(dirname "$0")/lib.sh"
need python3 python3
FU="$ROOT/tests/integration/conform/fault_uas.py"
V="$ROOT/tests/integration/conform/verdicts.py"
declare -A FAULTS=(
  [no_to_tag]="UAS-003 UAS-024 UAS-025 UAS-027 UAS-028 UAS-031 UAS-034 UAS-044"
  [ignore_cancel]="UAS-007 UAS-031 UAS-032 UAS-033 UAS-034 UAS-035"
  [no_2xx_retx]="UAS-038"
  [wrong_via]="UAS-021 UAS-022 UAS-023"
  [via_order]="UAS-014 UAS-014-comma"
)
port=26100
start() {  # start NAME ARGS...: a fault_uas on the next port, its port in PORT_<NAME>
  local name=$1; shift
  python3 "$FU" $port "$@" > "$WORK/$name.uas.log" 2>&1 &
  PIDS+=("$!")
  eval "PORT_$name=$port"
  port=$((port + 1))
}
start ref
start refuse --refuse 486
for f in "${!FAULTS[@]}"; do start "$f" --fault "$f"; done
SERVE_PORT=26150
"$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 127.0.0.1:$SERVE_PORT --set ring=2 -q > "$WORK/serve.log" 2>&1 &
PIDS+=("$!")
wait_udp $SERVE_PORT
for p in $(seq 26100 $((port - 1))); do wait_udp "$p"; done

conform() {  # conform NAME PORT [ARGS...]: runs the uas suite, verdicts in $WORK/NAME.v
  local name=$1 p=$2; shift 2
  local rc=0
  "$SIPSTORM" conform --target 127.0.0.1:"$p" --role uas --out "$WORK/$name.json" --junit "$WORK/$name.xml" "$@" \
    > "$WORK/$name.out" 2>&1 || rc=$?
  python3 "$V" "$WORK/$name.json" > "$WORK/$name.v" || true
  echo $rc > "$WORK/$name.rc"
}
start_ns=$(date +%s)
conform ref "$PORT_ref" &
conform refuse "$PORT_refuse" --case UAS-041 &
for f in "${!FAULTS[@]}"; do eval "conform $f \$PORT_$f" & done
# The background peers are in PIDS too; wait only for the conform runs (they end by themselves).
wait_runs() { while [ "$(ls "$WORK"/*.rc 2>/dev/null | wc -l)" -lt "$1" ]; do sleep 1; done; }
wait_runs $((2 + ${#FAULTS[@]}))
# Then sipstorm serve, 3 runs side by side (on a less loaded machine: the timer cases allow ±20%).
for i in 1 2 3; do conform serve$i $SERVE_PORT & done
wait_runs $((2 + ${#FAULTS[@]} + 3))
echo "uas suite runs took $(( $(date +%s) - start_ns )) s"

grep -q " fail$\| inconclusive$" "$WORK/ref.v" && { cat "$WORK/ref.out"; fail "the reference UAS fails cases"; }
[ "$(grep -c ' pass$' "$WORK/ref.v")" -ge 50 ] || fail "the reference UAS passes fewer than 50 cases"
[ "$(cat "$WORK/ref.rc")" = 0 ] || fail "conform exit code on the reference UAS: $(cat "$WORK/ref.rc")"
grep -qx "UAS-041 pass" "$WORK/refuse.v" || { cat "$WORK/refuse.out"; fail "UAS-041 does not pass on a refusing UAS"; }
grep -q "<testcase classname=\"conform.uas\" name=\"UAS-031 CANCEL of a ringing INVITE\"" "$WORK/ref.xml" ||
  fail "JUnit: no testcase for UAS-031"
for f in "${!FAULTS[@]}"; do
  got=$({ diff <(sed 's/ n\/a$/ pass/' "$WORK/ref.v") <(sed 's/ n\/a$/ pass/' "$WORK/$f.v") || true; } |
    sed -n 's/^> \([^ ]*\) .*/\1/p' | sort | xargs)
  want=$(echo "${FAULTS[$f]}" | tr ' ' '\n' | sort | xargs)
  [ "$got" = "$want" ] || { grep -E "^(fail|inconclusive)" "$WORK/$f.out"; fail "fault $f: cases judged otherwise than the reference: '$got', expected '$want'"; }
  [ "$(cat "$WORK/$f.rc")" = 1 ] || fail "fault $f: conform exit code $(cat "$WORK/$f.rc"), expected 1"
  for id in $want; do grep -qE "^$id (fail|inconclusive)$" "$WORK/$f.v" || fail "fault $f: $id is not a fail"; done
done
cmp -s "$WORK/serve1.v" "$WORK/serve2.v" && cmp -s "$WORK/serve1.v" "$WORK/serve3.v" ||
  { diff "$WORK/serve1.v" "$WORK/serve2.v"; diff "$WORK/serve1.v" "$WORK/serve3.v"; grep -hE "^(fail|incon)" "$WORK"/serve?.out
    fail "sipstorm serve: verdicts differ between 3 runs"; }
diff <(sort "$ROOT/tests/integration/conform/expect_serve.txt") "$WORK/serve1.v" ||
  { grep -E "^(fail|incon)" "$WORK/serve1.out"; fail "sipstorm serve: verdicts differ from tests/integration/conform/expect_serve.txt"; }

# --allow: the known failures do not fail the run.
grep ' fail$' "$WORK/serve1.v" | cut -d' ' -f1 > "$WORK/allow.txt"
"$SIPSTORM" conform --target 127.0.0.1:$SERVE_PORT --role uas --allow "$WORK/allow.txt" \
  --case UAS-030 --case UAS-025 > "$WORK/allow.out" 2>&1 || { cat "$WORK/allow.out"; fail "--allow: a non-zero exit code"; }
# Usage errors: exit 2.
rc=0; "$SIPSTORM" conform --role nosuchrole --target 127.0.0.1:1 > /dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "bad --role: exit $rc, not 2"
rc=0; "$SIPSTORM" conform --list --case NOPE > /dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "unknown --case: exit $rc, not 2"
[ "$("$SIPSTORM" conform --list | wc -l)" -ge 50 ] || fail "--list prints fewer than 50 cases"

# Torture against sipstorm serve.
"$SIPSTORM" conform --target 127.0.0.1:$SERVE_PORT --suite torture --out "$WORK/torture.json" > "$WORK/torture.out" 2>&1 || true
python3 "$V" "$WORK/torture.json" > "$WORK/torture.v"
[ "$(grep -c ' pass$' "$WORK/torture.v")" = 60 ] && grep -qx "T4475-longreq fail" "$WORK/torture.v" ||
  { cat "$WORK/torture.out"; fail "torture: expected 60 passes and longreq failing"; }
echo "PASS conform uas: reference, faults, sipstorm serve (3 runs), torture"
