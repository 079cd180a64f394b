#!/usr/bin/env bash
# recv = "dtmf": a UAS that waits for digits on the call's stream (call_rtp.lua sends 123# after
# `talk` seconds, then hangs up 1 s later):
#  1. waiting for 123#: the step goes on when the digits arrive, then the BYE is answered: all calls
#     succeed (a BYE while the step still waited would fail them as unexpected);
#  2. waiting for 1 after a pause that outlasts it: digits heard before the step count;
#  3. waiting for 9, which never comes: the step's timeout takes on_timeout (a fail step).
source "$(dirname "$0")/lib.sh"
UAS=28020 CALLS=2
need_free_udp $UAS
cat >"$WORK/answer_dtmf.lua" <<'LUA'
local sip = require "sipstorm"
return {
  name = "answer_dtmf", role = "uas", params = { want = "123#", wait = "0", limit = "4000" },
  steps = {
    { recv = "INVITE" },
    { send = sip.response(100, "Trying") },
    { send = sip.response(200, "OK", { sdp = sip.sdp_answer() }) },
    { rtp = { echo = true } },
    { recv = "ACK" },
    { pause = "${wait}ms" },
    { recv = "dtmf", digits = "${want}", timeout = "${limit}ms", on_timeout = "missed" },
    { recv = "BYE" },
    { send = sip.response(200, "OK", { in_dialog = true }) },
    { jump = "done" },
    { label = "missed", fail = "digits not heard" },
    { label = "done" },
  },
}
LUA
# round NAME WANT WAIT_MS TALK_S [LIMIT_MS]: serve answer_dtmf.lua <- call_rtp.lua; serve's result in
# $WORK/NAME.json.
round() {
  "$SIPSTORM" serve "$WORK/answer_dtmf.lua" --listen 127.0.0.1:$UAS --shards 1 --rtp-ports 40600-40699 \
    --set "want=$2" --set "wait=$3" --set "limit=${5:-4000}" --calls $CALLS --duration 30 -q --out "$WORK/$1.json" >"$WORK/$1.serve.log" 2>&1 &
  local serve=$!
  PIDS+=("$serve")
  wait_udp $UAS
  "$SIPSTORM" run "$ROOT/scenarios/call_rtp.lua" --target 127.0.0.1:$UAS --set "talk=$4" --set digits=123# \
    --calls $CALLS --rate 10 --shards 1 --rtp-ports 40700-40799 -q --out "$WORK/$1.run.json" >"$WORK/$1.run.log" 2>&1 || true
  wait "$serve" || true
}
check() { [ "$(json "$WORK/$1.json" "$2")" = "$3" ] || { cat "$WORK/$1.serve.log"; fail "$1: $2 is $(json "$WORK/$1.json" "$2"), expected $3"; }; }

round waiting 123# 0 1
check waiting 'r["calls"]["succeeded"]' $CALLS
check waiting 'r["media"]["dtmf_received"].get("#", 0)' $CALLS
echo "PASS recv = dtmf, digits = 123#: $CALLS calls went on when the digits came"

round before 1 1700 1
check before 'r["calls"]["succeeded"]' $CALLS
echo "PASS recv = dtmf after the digit came: $CALLS calls went on at once"

round missed 9 0 3 1500
check missed 'r["calls"]["succeeded"]' 0
check missed 'r["calls"]["failed_by_detail"].get("digits not heard", 0)' $CALLS
echo "PASS recv = dtmf, digits = 9 never sent: $CALLS calls took on_timeout"
