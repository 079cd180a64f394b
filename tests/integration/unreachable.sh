#!/usr/bin/env bash
# A target that never answers: calls fail by Timer B, the result says so, and the exit code is 1.
source "$(dirname "$0")/lib.sh"
set +e
"$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target 127.0.0.1:25069 --calls 3 --rate 10 --t1 20 -q \
  --out "$WORK/r.json" > "$WORK/out.txt" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || fail "exit code $rc, expected 1"
[ "$(json "$WORK/r.json" 'r["calls"]["failed"]')" = 3 ] || fail "expected 3 failed calls"
[ "$(json "$WORK/r.json" 'r["calls"]["failed_by_detail"].get("timeout (Timer B)", 0)')" = 3 ] || fail "reason is not Timer B"
grep -q "timeout (Timer B)" "$WORK/out.txt" || fail "summary does not name Timer B"
echo "PASS unreachable target: 3 calls failed by Timer B, exit 1"
