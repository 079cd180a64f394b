#!/usr/bin/env bash
# With 5% of datagrams dropped both ways, calls still complete through retransmissions, which are counted.
source "$(dirname "$0")/lib.sh"
"$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --calls 400 --rate 200 --loss 5 --t1 50 --shards 2 -q \
  --out "$WORK/r.json" || fail "exit code $?"
[ "$(json "$WORK/r.json" 'r["calls"]["succeeded"]')" = 400 ] || fail "not all calls succeeded"
retrans=$(json "$WORK/r.json" 'r["retransmissions"]["total"]')
[ "$retrans" -gt 0 ] || fail "no retransmissions counted with 5% loss"
echo "PASS loss 5%: 400/400 calls, $retrans retransmissions"
