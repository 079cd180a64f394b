#!/usr/bin/env bash
# sipstorm conform --role uas, each case shown to pass on one target and fail on another:
#  - a reference UAS (tests/integration/conform/fault_uas.py) passes every case (UAS-041 is n/a: it
#    answers calls; the same UAS with --refuse 486 makes UAS-041 pass);
#  - the same UAS with one fault each fails exactly the cases of that fault (FAULTS below), no other;
#  - sipstorm serve scenarios/answer.lua (ring=2) gives the verdicts of EXPECT_SERVE, the same in 3 runs;
#  - the torture suite against sipstorm serve: every RFC 4475/5118 message gets the manifest's answer
#    (longreq a 513: its headers do not fit the call's state), and serve keeps answering;
#  - the robustness suite: sipstorm serve survives 40 mutated INVITEs; a UAS that hangs on a NUL byte
#    fails the NUL case, the bytes are printed with a replay command, the later cases are inconclusive.
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/conform/lib.sh
source "$(dirname "$0")/conform/lib.sh"
need python3 python3
FU="$ROOT/tests/integration/conform/fault_uas.py"
V="$ROOT/tests/integration/conform/verdicts.py"
declare -A FAULTS=(
  [no_to_tag]="UAS-003 UAS-024 UAS-025 UAS-027 UAS-028 UAS-031 UAS-034 UAS-044"
  [ignore_cancel]="UAS-007 UAS-031 UAS-032 UAS-033 UAS-034 UAS-035"
  [no_2xx_retx]="UAS-038"
  [wrong_via]="UAS-021 UAS-022 UAS-023"
  [via_order]="UAS-014 UAS-014-comma"
  [lax_ipv6]="TR-007"
)
port=26100
need_free_udp $(seq 26100 $((26101 + ${#FAULTS[@]}))) 26149 26150
start() { start_target "$FU" "$@"; }  # start NAME ARGS...: a fault_uas
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
check_faults ref 0
cmp -s "$WORK/serve1.v" "$WORK/serve2.v" && cmp -s "$WORK/serve1.v" "$WORK/serve3.v" ||
  { diff "$WORK/serve1.v" "$WORK/serve2.v"; diff "$WORK/serve1.v" "$WORK/serve3.v"; grep -hE "^(fail|incon)" "$WORK"/serve?.out
    fail "sipstorm serve: verdicts differ between 3 runs"; }
diff <(sort "$ROOT/tests/integration/conform/expect_serve.txt") "$WORK/serve1.v" ||
  { grep -E "^(fail|incon)" "$WORK/serve1.out"; fail "sipstorm serve: verdicts differ from tests/integration/conform/expect_serve.txt"; }

# sipstorm report: the page of a conform result, a ladder for each failing case.
"$SIPSTORM" report "$WORK/no_to_tag.json" -o "$WORK/no_to_tag.html" > /dev/null || fail "report of a conform result"
grep -q '<h3 id="UAS-003">UAS-003 .*fail' "$WORK/no_to_tag.html" && grep -q '<svg' "$WORK/no_to_tag.html" ||
  fail "report: no ladder diagram for the failing UAS-003"
[ "$(grep -o '<svg' "$WORK/no_to_tag.html" | wc -l)" -ge 8 ] || fail "report: fewer ladders than failing cases"

# --allow: the known failures (those of the UAS without To tags) do not fail the run.
grep ' fail$' "$WORK/no_to_tag.v" | cut -d' ' -f1 > "$WORK/allow.txt"
"$SIPSTORM" conform --target 127.0.0.1:"$PORT_no_to_tag" --role uas --allow "$WORK/allow.txt" \
  --case UAS-003 --case UAS-024 > "$WORK/allow.out" 2>&1 || { cat "$WORK/allow.out"; fail "--allow: a non-zero exit code"; }
grep -q "allowed" "$WORK/allow.out" || fail "--allow: the allowed failures are not reported"
# Usage errors: exit 2.
rc=0; "$SIPSTORM" conform --role nosuchrole --target 127.0.0.1:1 > /dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "bad --role: exit $rc, not 2"
rc=0; "$SIPSTORM" conform --list --case NOPE > /dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "unknown --case: exit $rc, not 2"
[ "$("$SIPSTORM" conform --list | wc -l)" -ge 50 ] || fail "--list prints fewer than 50 cases"

# Torture against sipstorm serve.
"$SIPSTORM" conform --target 127.0.0.1:$SERVE_PORT --suite torture --out "$WORK/torture.json" > "$WORK/torture.out" 2>&1 || true
python3 "$V" "$WORK/torture.json" > "$WORK/torture.v"
[ "$(grep -c ' pass$' "$WORK/torture.v")" = 61 ] || { cat "$WORK/torture.out"; fail "torture: expected 61 passes"; }

# Robustness.
"$SIPSTORM" conform --target 127.0.0.1:$SERVE_PORT --suite robustness --cases 40 --seed 7 \
  --out "$WORK/rob.json" > "$WORK/rob.out" 2>&1 || { grep -E "^(fail|incon)" "$WORK/rob.out"; fail "robustness on serve"; }
[ "$(python3 "$V" "$WORK/rob.json" | grep -c ' pass$')" = 40 ] || fail "robustness on serve: not 40 passes"
python3 "$FU" 26149 --fault hang_on_nul > "$WORK/hang.log" 2>&1 &
PIDS+=("$!")
wait_udp 26149
rc=0
"$SIPSTORM" conform --target 127.0.0.1:26149 --suite robustness --cases 12 --seed 7 --out "$WORK/hang.json" \
  > "$WORK/hang.out" 2>&1 || rc=$?
[ $rc = 1 ] || fail "robustness on a hanging UAS: exit $rc, expected 1"
python3 "$V" "$WORK/hang.json" > "$WORK/hang.v"
grep -qx "ROB-7-4 fail" "$WORK/hang.v" && [ "$(grep -c ' pass$' "$WORK/hang.v")" = 4 ] &&
  [ "$(grep -c ' inconclusive$' "$WORK/hang.v")" = 7 ] || { cat "$WORK/hang.v"; fail "robustness on a hanging UAS: verdicts"; }
grep -q "ROB-7-4 sent these 464 bytes (replay: sipstorm conform --target 127.0.0.1:26149 --role uas --case ROB-7-4)" \
  "$WORK/hang.out" || fail "robustness: no replay line for the failing case"
echo "PASS conform uas: reference, faults, sipstorm serve (3 runs), torture, robustness, report"
