#!/usr/bin/env bash
# sipstorm conform --role registrar, each case shown to pass on one target and fail on another:
#  - a reference registrar (tests/integration/conform/fault_registrar.py) passes every case, REG-011
#    and REG-016 being n/a (a pure registrar answers INVITEs 501); with --proxy it passes them too;
#  - the same registrar (--proxy) with one fault each fails exactly the cases of that fault (FAULTS),
#    no other;
#  - Kamailio (tests/integration/conform/kamailio_registrar.cfg, the shape of Debian's stock config)
#    gives the verdicts of expect_kamailio_registrar.txt, the same in 3 runs.
# Ports 27000-27099.
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/conform/lib.sh
source "$(dirname "$0")/conform/lib.sh"
need python3 python3
need kamailio kamailio
D="$ROOT/tests/integration/conform"
V="$D/verdicts.py"
declare -A FAULTS=(
  [ignore_param]="REG-002 REG-007 REG-010 REG-016"
  [dup_refresh]="REG-004 REG-006 REG-007"
  [accept_cseq]="REG-005"
  [ignore_star]="REG-008 REG-009 REG-009-multi"
  [keep_rr]="REG-012"
  [short_expires]="REG-003"
  [ignore_require]="REG-014"
  [no_remove]="REG-007"
  [no_expires]="REG-001 REG-002 REG-003 REG-010 REG-016"
  [raw_aor]="REG-013"
  [any_domain]="REG-015"
  [never_expire]="REG-016"
  [low_q_only]="REG-011"
)
port=27010
start() { start_target "$D/fault_registrar.py" "$@"; }  # start NAME ARGS...: a fault_registrar
start ref
start refproxy --proxy
for f in "${!FAULTS[@]}"; do start "$f" --fault "$f" --proxy; done
KPORT=27000
need_free_udp $KPORT
sed "s/PORT/$KPORT/g" "$D/kamailio_registrar.cfg" > "$WORK/kamailio.cfg"
kamailio -f "$WORK/kamailio.cfg" -P "$WORK/kamailio.pid" -w "$WORK" > "$WORK/kamailio.log" 2>&1 ||
  { cat "$WORK/kamailio.log"; fail "kamailio did not start"; }
trap 'kill "$(cat "$WORK/kamailio.pid" 2>/dev/null)" 2>/dev/null || true; cleanup' EXIT
wait_udp $KPORT
for p in $(seq 27010 $((port - 1))); do wait_udp "$p"; done

conform() {  # conform NAME PORT [ARGS...]: runs the registrar suite, verdicts in $WORK/NAME.v
  local name=$1 p=$2; shift 2
  local rc=0
  "$SIPSTORM" conform --target 127.0.0.1:"$p" --role registrar --out "$WORK/$name.json" "$@" \
    > "$WORK/$name.out" 2>&1 || rc=$?
  python3 "$V" "$WORK/$name.json" > "$WORK/$name.v" || true
  echo $rc > "$WORK/$name.rc"
}
wait_runs() { while [ "$(ls "$WORK"/*.rc 2>/dev/null | wc -l)" -lt "$1" ]; do sleep 1; done; }
start_s=$(date +%s)
conform ref "$PORT_ref" &
conform refproxy "$PORT_refproxy" &
for f in "${!FAULTS[@]}"; do eval "conform $f \$PORT_$f" & done
for i in 1 2 3; do conform kam$i $KPORT & done
wait_runs $((2 + ${#FAULTS[@]} + 3))
echo "registrar suite runs took $(( $(date +%s) - start_s )) s"

grep -q " fail$\| inconclusive$" "$WORK/ref.v" && { cat "$WORK/ref.out"; fail "the reference registrar fails cases"; }
[ "$(grep -c ' pass$' "$WORK/ref.v")" -ge 15 ] || { cat "$WORK/ref.out"; fail "the reference registrar passes fewer than 15 cases"; }
[ "$(cat "$WORK/ref.rc")" = 0 ] || fail "conform exit code on the reference registrar: $(cat "$WORK/ref.rc")"
[ "$(grep -c ' n/a$' "$WORK/ref.v")" = 2 ] && grep -qx "REG-011 n/a" "$WORK/ref.v" && grep -qx "REG-016 n/a" "$WORK/ref.v" ||
  fail "the pure reference registrar: REG-011 and REG-016 are not the only n/a cases"
grep -qv " pass$" "$WORK/refproxy.v" && { cat "$WORK/refproxy.out"; fail "the reference registrar with --proxy does not pass every case"; }
check_faults ref 0
cmp -s "$WORK/kam1.v" "$WORK/kam2.v" && cmp -s "$WORK/kam1.v" "$WORK/kam3.v" ||
  { diff "$WORK/kam1.v" "$WORK/kam2.v"; diff "$WORK/kam1.v" "$WORK/kam3.v"; grep -hE "^(fail|incon)" "$WORK"/kam?.out
    fail "kamailio: verdicts differ between 3 runs"; }
diff <(sort "$D/expect_kamailio_registrar.txt") "$WORK/kam1.v" ||
  { grep -E "^(fail|incon)" "$WORK/kam1.out"; fail "kamailio: verdicts differ from tests/integration/conform/expect_kamailio_registrar.txt"; }
echo "PASS conform registrar: reference, faults, kamailio (3 runs)"
