#!/usr/bin/env bash
# sipstorm conform --role proxy, each case shown to pass on one target and fail on another:
#  - a reference proxy (tests/integration/conform/fault_proxy.py) passes every case;
#  - the same proxy with one fault each fails exactly the cases of that fault (FAULTS below), no other;
#  - Kamailio (tests/integration/conform/kamailio_proxy.cfg, the shape of Debian's stock config) gives
#    the verdicts of tests/integration/conform/expect_kamailio_proxy.txt, the same in 3 runs.
# Ports: 27100-27199 (proxies 27110..27130, Kamailio 27150).
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/conform/lib.sh
source "$(dirname "$0")/conform/lib.sh"
need python3 python3
need kamailio kamailio
FP="$ROOT/tests/integration/conform/fault_proxy.py"
V="$ROOT/tests/integration/conform/verdicts.py"
declare -A FAULTS=(
  [ignore_maxfwd]="PX-001"
  [no_decrement]="PX-002"
  [no_loop_detect]="PX-003"
  [loop_on_spiral]="PX-004"
  [ignore_proxy_require]="PX-005"
  [no_rr]="PX-006 PX-022"
  [rr_no_lr]="PX-006"
  [reorder]="PX-006 PX-010"
  [change_body]="PX-010"
  [keep_route]="PX-007 PX-022"
  [no_strict_fix]="PX-008"
  [forward_100]="PX-011"
  [add_to_tag]="PX-012"
  [keep_via]="PX-013"
  [cancel_new_branch]="PX-016"
  [strip_rr_resp]="PX-017 PX-022"
  [drop_unknown_cancel]="PX-018"
  [forward_stray]="PX-020"
  [no_ack]="PX-022"
  [absorb_2xx_retx]="PX-019"
)
port=27110
start() { start_target "$FP" "$@"; }  # start NAME ARGS...: a fault_proxy
start ref
for f in "${!FAULTS[@]}"; do start "$f" --fault "$f"; done
KPORT=27150
need_free_udp $KPORT
sed "s/PORT/$KPORT/" "$ROOT/tests/integration/conform/kamailio_proxy.cfg" > "$WORK/kamailio.cfg"
kamailio -f "$WORK/kamailio.cfg" -DD -E > "$WORK/kamailio.log" 2>&1 &
PIDS+=("$!")
for p in $(seq 27110 $((port - 1))) $KPORT; do wait_udp "$p"; done

conform() {  # conform NAME PORT [ARGS...]: runs the proxy suite, verdicts in $WORK/NAME.v
  local name=$1 p=$2; shift 2
  local rc=0
  "$SIPSTORM" conform --target 127.0.0.1:"$p" --role proxy --local-ip 127.0.0.1 --out "$WORK/$name.json" \
    --junit "$WORK/$name.xml" "$@" > "$WORK/$name.out" 2>&1 || rc=$?
  python3 "$V" "$WORK/$name.json" > "$WORK/$name.v" || true
  echo $rc > "$WORK/$name.rc"
}
wait_runs() { while [ "$(ls "$WORK"/*.rc 2>/dev/null | wc -l)" -lt "$1" ]; do sleep 0.5; done; }
start_s=$(date +%s)
# A few at a time: PX-011 times the 100 Trying (200 ms) and the host has 2 cores.
n=0
conform ref "$PORT_ref" & n=$((n + 1))
for f in "${!FAULTS[@]}"; do
  eval "conform $f \$PORT_$f" & n=$((n + 1))
  [ $((n % 5)) = 0 ] && wait_runs $n
done
wait_runs $n
if [ -n "${CONFORM_PROXY_REPORT:-}" ]; then  # development aid: every fault's differences at once
  for f in "${!FAULTS[@]}"; do echo "$f: $({ diff "$WORK/ref.v" "$WORK/$f.v" || true; } | sed -n 's/^> //p' | xargs)"; done
fi
for i in 1 2 3; do conform kamailio$i $KPORT; done
echo "proxy suite runs took $(( $(date +%s) - start_s )) s"

grep -q " fail$\| inconclusive$" "$WORK/ref.v" && { cat "$WORK/ref.out"; fail "the reference proxy fails cases"; }
[ "$(grep -c ' pass$' "$WORK/ref.v")" -ge 16 ] || { cat "$WORK/ref.out"; fail "the reference proxy passes fewer than 16 cases"; }
[ "$(cat "$WORK/ref.rc")" = 0 ] || fail "conform exit code on the reference proxy: $(cat "$WORK/ref.rc")"
grep -q "<testcase classname=\"conform.proxy\" name=\"PX-016 CANCEL after a 180\"" "$WORK/ref.xml" ||
  fail "JUnit: no testcase for PX-016"
check_faults ref 1
cmp -s "$WORK/kamailio1.v" "$WORK/kamailio2.v" && cmp -s "$WORK/kamailio1.v" "$WORK/kamailio3.v" ||
  { diff "$WORK/kamailio1.v" "$WORK/kamailio2.v"; diff "$WORK/kamailio1.v" "$WORK/kamailio3.v"
    grep -hE "^(fail|incon)" "$WORK"/kamailio?.out || true; fail "Kamailio: verdicts differ between 3 runs"; }
diff <(sort "$ROOT/tests/integration/conform/expect_kamailio_proxy.txt") "$WORK/kamailio1.v" ||
  { grep -E "^(fail|incon)" "$WORK/kamailio1.out" || true; tail -20 "$WORK/kamailio.log"
    fail "Kamailio: verdicts differ from tests/integration/conform/expect_kamailio_proxy.txt"; }
# Every case passes on one target and fails on another.
for id in $(cut -d' ' -f1 "$WORK/ref.v"); do
  grep -qx "$id fail" "$WORK"/*.v || fail "$id fails on no target"
done
echo "PASS conform proxy: reference, faults, Kamailio (3 runs)"
