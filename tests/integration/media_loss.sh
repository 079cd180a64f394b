#!/usr/bin/env bash
# --loss P applies to RTP: call_rtp.lua with --loss 5 -> serve answer_rtp.lua (no loss of its own),
# 40 calls of 10 s, over 20,000 RTP packets: the loss serve measures (RFC 3550 A.3) is within +-0.5
# points of 5%, and so is the loss the caller measures on the echo (what reached serve comes back).
source "$(dirname "$0")/lib.sh"
UAS=28000 CALLS=40 P=5
need_free_udp $UAS
"$SIPSTORM" serve "$ROOT/scenarios/answer_rtp.lua" --listen 127.0.0.1:$UAS --shards 1 --rtp-ports 40000-40199 \
  --calls $CALLS --duration 50 -q --out "$WORK/serve.json" >"$WORK/serve.log" 2>&1 &
serve=$!
PIDS+=("$serve")
wait_udp $UAS
"$SIPSTORM" run "$ROOT/scenarios/call_rtp.lua" --target 127.0.0.1:$UAS --set talk=10 --calls $CALLS --rate 20 \
  --loss $P --t1 50 --shards 1 --rtp-ports 40200-40399 -q --out "$WORK/run.json" >"$WORK/run.log" 2>&1 ||
  { cat "$WORK/run.log"; fail "call_rtp.lua --loss $P: exit code $?"; }
wait "$serve" || { cat "$WORK/serve.log"; fail "serve exit code $?"; }
for side in serve run; do
  f="$WORK/$side.json"
  [ "$(json "$f" 'r["calls"]["succeeded"]')" = $CALLS ] || { cat "$WORK/$side.log"; fail "$side: not all $CALLS calls succeeded"; }
  expected=$(json "$f" 'r["media"]["expected"]')
  [ "$expected" -ge 10000 ] || fail "$side: only $expected RTP packets expected, the test needs 10,000"
  loss=$(json "$f" 'r["media"]["loss_pct"]')
  json "$f" "abs(r['media']['loss_pct'] - $P) <= 0.5" | grep -qx True ||
    fail "$side: measured loss $loss% over $expected packets, expected $P% +- 0.5"
  echo "PASS --loss $P: $side measured $loss% lost of $expected RTP packets"
done
