# Shared by the conform_*.sh tests (after tests/integration/lib.sh).

# start_target SCRIPT NAME ARGS...: a Python target (python3 SCRIPT PORT ARGS...) on the next port ($port,
# which then moves one up), that port in PORT_<NAME>, its output in $WORK/NAME.target.log.
start_target() {
  local script=$1 name=$2
  shift 2
  need_free_udp $port
  python3 "$script" $port "$@" >"$WORK/$name.target.log" 2>&1 &
  PIDS+=("$!")
  eval "PORT_$name=$port"
  port=$((port + 1))
}

# check_faults REF STRICT: every fault NAME of the FAULTS array is judged otherwise than the reference
# ($WORK/REF.v) in exactly the cases FAULTS[NAME] lists, each of them a fail (STRICT=1; else a fail or
# inconclusive, n/a and pass counting alike), and its conform run ($WORK/NAME.rc) exited 1.
check_faults() {
  local ref=$1 strict=$2 f got want id norm='s/ n\/a$/ pass/' bad='(fail|inconclusive)'
  [ "$strict" = 1 ] && norm='' bad='fail'
  for f in "${!FAULTS[@]}"; do
    got=$({ diff <(sed "$norm" "$WORK/$ref.v") <(sed "$norm" "$WORK/$f.v") || true; } |
      sed -n 's/^> \([^ ]*\) .*/\1/p' | sort | xargs)
    want=$(echo "${FAULTS[$f]}" | tr ' ' '\n' | sort | xargs)
    [ "$got" = "$want" ] || { grep -E "^(fail|inconclusive)" "$WORK/$f.out" || true
      fail "fault $f: cases judged otherwise than the reference: '$got', expected '$want'"; }
    [ "$(cat "$WORK/$f.rc")" = 1 ] || fail "fault $f: conform exit code $(cat "$WORK/$f.rc"), expected 1"
    for id in $want; do grep -qE "^$id $bad$" "$WORK/$f.v" || fail "fault $f: $id is not a fail"; done
  done
}
