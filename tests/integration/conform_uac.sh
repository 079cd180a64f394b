#!/usr/bin/env bash
# sipstorm conform --role uac (--listen: the target calls conform), each case shown to pass on one
# target and fail on another:
#  - a reference UAC (tests/integration/conform/fault_uac.py) passes every case, the same in 3 runs;
#  - the same UAC with one fault each fails exactly the cases of that fault (FAULTS below), no other;
#  - SIPp's built-in uac (sipp -sn uac) and sipstorm run scenarios/basic_call.lua give the verdicts of
#    expect_uac_sipp.txt / expect_uac_run.txt, the same in 3 runs (their failures: README).
# Every run waits out Timer B/F (32 s), so all runs go side by side (~70 s).
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/conform/lib.sh
source "$(dirname "$0")/conform/lib.sh"
need python3 python3
need sipp sip-tester
FU="$ROOT/tests/integration/conform/fault_uac.py"
V="$ROOT/tests/integration/conform/verdicts.py"
D="$ROOT/tests/integration/conform"
CALLS=6  # one per case
declare -A FAULTS=(
  [timer_a_cap]="UAC-001"
  [no_stop_1xx]="UAC-001-1xx"
  [never_give_up]="UAC-001 UAC-002"
  [timer_e_nocap]="UAC-002"
  [timer_e_1xx]="UAC-002-1xx"
  [ack_branch]="UAC-003"
  [ack2xx_branch]="UAC-004"
  [ack2xx_ruri]="UAC-004"
)
port=27200
runs=0
# uac NAME TARGET-COMMAND...: conform listens on the next port, then the target (its command with
# @P@ for conform's port and @L@ for a port of its own) calls it; verdicts in $WORK/NAME.v.
uac() {
  local name=$1; shift
  local p=$port l=$((port + 1))
  port=$((port + 2)); runs=$((runs + 1))
  (
    rc=0
    "$SIPSTORM" conform --role uac --listen 127.0.0.1:$p --out "$WORK/$name.json" --junit "$WORK/$name.xml" \
      > "$WORK/$name.out" 2>&1 || rc=$?
    python3 "$V" "$WORK/$name.json" > "$WORK/$name.v" 2>/dev/null || true
    echo $rc > "$WORK/$name.rc"
  ) &
  wait_udp $p
  local cmd=("${@//@P@/$p}")
  cmd=("${cmd[@]//@L@/$l}")
  "${cmd[@]}" > "$WORK/$name.target.log" 2>&1 < /dev/null &
  PIDS+=("$!")
}
start_s=$(date +%s)
for i in 1 2 3; do
  uac ref$i python3 "$FU" @P@ @L@ $CALLS
  uac sipp$i sipp -sn uac 127.0.0.1:@P@ -i 127.0.0.1 -p @L@ -m $CALLS -r 50 -nostdin -timeout 90s
  uac run$i "$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target 127.0.0.1:@P@ --calls $CALLS --rate 50 -q
done
for f in "${!FAULTS[@]}"; do uac "$f" python3 "$FU" @P@ @L@ $CALLS --fault "$f"; done
while [ "$(ls "$WORK"/*.rc 2>/dev/null | wc -l)" -lt $runs ]; do sleep 1; done
echo "uac suite runs took $(( $(date +%s) - start_s )) s"

for t in ref sipp run; do
  cmp -s "$WORK/${t}1.v" "$WORK/${t}2.v" && cmp -s "$WORK/${t}1.v" "$WORK/${t}3.v" ||
    { diff "$WORK/${t}1.v" "$WORK/${t}2.v"; diff "$WORK/${t}1.v" "$WORK/${t}3.v"; grep -hE "^(fail|incon)" "$WORK/$t"?.out
      fail "$t: verdicts differ between 3 runs"; }
done
grep -q " fail$\| inconclusive$" "$WORK/ref1.v" && { cat "$WORK/ref1.out"; fail "the reference UAC fails cases"; }
[ "$(grep -c ' pass$' "$WORK/ref1.v")" = $CALLS ] || { cat "$WORK/ref1.out"; fail "the reference UAC does not pass all $CALLS cases"; }
[ "$(cat "$WORK/ref1.rc")" = 0 ] || fail "conform exit code on the reference UAC: $(cat "$WORK/ref1.rc")"
grep -q '<testcase classname="conform.uac" name="UAC-001 ' "$WORK/ref1.xml" || fail "JUnit: no testcase for UAC-001"
check_faults ref1 1
diff "$D/expect_uac_sipp.txt" "$WORK/sipp1.v" || { cat "$WORK/sipp1.out"; fail "sipp -sn uac: verdicts differ from expect_uac_sipp.txt"; }
diff "$D/expect_uac_run.txt" "$WORK/run1.v" || { cat "$WORK/run1.out" "$WORK/run1.target.log"; fail "sipstorm run: verdicts differ from expect_uac_run.txt"; }

# Usage errors: exit 2.
rc=0; "$SIPSTORM" conform --role uac > /dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "--role uac without --listen: exit $rc, not 2"
rc=0; "$SIPSTORM" conform --role uas --listen 127.0.0.1:1 --target 127.0.0.1:1 > /dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "--listen with --role uas: exit $rc, not 2"
echo "PASS conform uac: reference (3 runs), faults, sipp -sn uac (3 runs), sipstorm run (3 runs)"
