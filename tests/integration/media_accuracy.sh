#!/usr/bin/env bash
# Accuracy against a reference the test computes itself: rtp_reference.py writes a capture of one
# G.711 stream with known gaps (14 sequence numbers left out, across the 16-bit wrap) and known
# timing perturbations (each packet 0..15 ms after its 20 ms mark), and computes from the file what
# RFC 3550 says a receiver measures: A.3 loss and A.8 jitter. sipstorm plays the capture
# (`rtp = { play = "pcap:FILE" }`, with its timing and gaps) to serve answer_rtp.lua on each of
# CALLS calls; serve's measurement must match: loss exact, jitter (and its maximum) within 10%, as
# the median of the streams (one stream hit by a scheduling hiccup of this shared machine does not
# decide).
source "$(dirname "$0")/lib.sh"
# KEEP=DIR keeps the capture, the scenario and the result files there.
[ -n "${KEEP:-}" ] && trap 'cp -r "$WORK" "$KEEP"; cleanup' EXIT
UAS=28010 CALLS=3
need_free_udp $UAS
ref=$(python3 "$(dirname "$0")/rtp_reference.py" "$WORK/ref.pcap") || fail "rtp_reference.py failed"
val() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$ref" "$1"; }
cat >"$WORK/play_pcap.lua" <<LUA
local sip = require "sipstorm"
return {
  name = "play_pcap", role = "uac",
  steps = {
    { send = sip.invite{ to = "sip:service@\${remote_ip}:\${remote_port}", sdp = sip.sdp_offer() } },
    { recv = 100, optional = true },
    { recv = 180, optional = true },
    { recv = 200 },
    { send = sip.ack_2xx() },
    { rtp = { play = "pcap:$WORK/ref.pcap" } },
    { pause = "10500ms" },
    { send = sip.bye() },
    { recv = 200 },
  },
}
LUA
"$SIPSTORM" serve "$ROOT/scenarios/answer_rtp.lua" --listen 127.0.0.1:$UAS --shards 1 --rtp-ports 40400-40499 \
  --calls $CALLS --duration 40 -q --out "$WORK/serve.json" >"$WORK/serve.log" 2>&1 &
serve=$!
PIDS+=("$serve")
wait_udp $UAS
"$SIPSTORM" run "$WORK/play_pcap.lua" --target 127.0.0.1:$UAS --calls $CALLS --rate 10 --shards 1 \
  --rtp-ports 40500-40599 -q --out "$WORK/run.json" >"$WORK/run.log" 2>&1 ||
  { cat "$WORK/run.log"; fail "play_pcap.lua: exit code $?"; }
wait "$serve" || { cat "$WORK/serve.log"; fail "serve exit code $?"; }
r() { json "$WORK/serve.json" "$1"; }
[ "$(r 'r["calls"]["succeeded"]')" = $CALLS ] || { cat "$WORK/serve.log"; fail "not all $CALLS calls succeeded"; }
[ "$(r 'r["media"]["streams"]')" = $CALLS ] || fail "$(r 'r["media"]["streams"]') streams, expected $CALLS"
for k in expected lost; do
  want=$((CALLS * $(val $k)))
  [ "$(r "r['media']['$k']")" = "$want" ] || fail "media.$k is $(r "r['media']['$k']"), the file says $want"
done
[ "$(r 'r["media"]["packets_in"]')" = $((CALLS * $(val packets))) ] ||
  fail "media.packets_in is $(r 'r["media"]["packets_in"]'), the file holds $((CALLS * $(val packets)))"
for k in jitter_ms jitter_max_ms; do
  want=$(val $k)
  got=$(r "r['media']['$k']['p50']")
  python3 -c "import sys; sys.exit(abs($got - $want) > 0.1 * $want)" ||
    fail "media.$k p50 is $got ms, RFC 3550 A.8 over the file gives $want ms (10% allowed)"
  echo "media.$k: measured p50 $got ms over $CALLS streams, reference $want ms"
done
echo "PASS pcap with known gaps and timing -> serve: $CALLS x $(val lost) lost of $(val expected) (exact), jitter within 10%"
