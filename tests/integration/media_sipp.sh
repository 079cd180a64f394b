#!/usr/bin/env bash
# RTP media against SIPp, both ways, on loopback:
#  1. SIPp's uac_pcap (it plays its g711a.pcap, then dtmf_2833_1.pcap) -> sipstorm serve answer_rtp.lua:
#     sipstorm counts the capture's packets, zero loss, and the digit 1 of each call.
#  2. sipstorm call_rtp.lua -> sipp -sn uas -rtp_echo: the echoed stream is measured (loss 0, a round
#     trip per call).
source "$(dirname "$0")/lib.sh"
need sipp sip-tester
need pgrep procps
UAS=25400 SIPP=25402 CALLS=3
SHARE=/usr/share/sip-tester
[ -f "$SHARE/g711a.pcap" ] || fail "$SHARE/g711a.pcap is missing: apt-get install sip-tester"
# SIPp's scenario names pcap/g711a.pcap: relative to where it runs.
ln -s "$SHARE" "$WORK/pcap"

"$SIPSTORM" serve "$ROOT/scenarios/answer_rtp.lua" --listen 127.0.0.1:$UAS --shards 1 --rtp-ports 26000-26099 \
  --calls $CALLS --duration 60 -q --out "$WORK/serve.json" >"$WORK/serve.log" 2>&1 &
serve=$!
PIDS+=("$serve")
wait_udp $UAS
(cd "$WORK" && timeout 60 sipp -sn uac_pcap -i 127.0.0.1 -p $SIPP -mp 26200 -m $CALLS -l $CALLS -r $CALLS -nostdin \
  127.0.0.1:$UAS >"$WORK/sipp.log" 2>&1) || { cat "$WORK/sipp.log"; fail "sipp uac_pcap exit code $?"; }
wait "$serve" || { cat "$WORK/serve.log"; fail "serve exit code $?"; }
check() { [ "$(json "$WORK/serve.json" "$1")" = "$2" ] || { cat "$WORK/serve.log"; fail "$1 is $(json "$WORK/serve.json" "$1"), expected $2"; }; }
check 'r["calls"]["succeeded"]' $CALLS
check 'r["media"]["streams"]' $CALLS
# g711a.pcap holds 236 RTP packets (sequence numbers 59133..59368), dtmf_2833_1.pcap 10 more.
check 'r["media"]["expected"]' $((CALLS * 236))
check 'r["media"]["lost"]' 0
check 'r["media"]["packets_in"]' $((CALLS * 246))
check 'r["media"]["dtmf_received"].get("1", 0)' $CALLS
check 'r["media"]["no_rtp_calls"]' 0
echo "PASS sipp uac_pcap -> serve answer_rtp.lua: $CALLS calls, $((CALLS * 236)) packets, 0 lost, digit 1 x$CALLS"

(cd "$WORK" && exec sipp -sn uas -rtp_echo -i 127.0.0.1 -p $SIPP -mp 26300 -nostdin -bg >/dev/null 2>&1) || true
for _ in $(seq 50); do pid=$(pgrep -f "sipp -sn uas -rtp_echo -i 127.0.0.1 -p $SIPP" || true); [ -n "$pid" ] && break; sleep 0.1; done
[ -n "$pid" ] || fail "SIPp UAS did not start"
PIDS+=("$pid")
wait_udp $SIPP
"$SIPSTORM" run "$ROOT/scenarios/call_rtp.lua" --target 127.0.0.1:$SIPP --set talk=2 --calls $CALLS --rate 3 \
  --shards 1 --rtp-ports 26400-26499 -q --out "$WORK/run.json" >"$WORK/run.log" 2>&1 ||
  { cat "$WORK/run.log"; fail "call_rtp.lua -> sipp -rtp_echo: exit code $?"; }
check2() { [ "$(json "$WORK/run.json" "$1")" = "$2" ] || { cat "$WORK/run.log"; fail "$1 is $(json "$WORK/run.json" "$1"), expected $2"; }; }
check2 'r["calls"]["succeeded"]' $CALLS
check2 'r["media"]["lost"]' 0
check2 'r["media"]["echo_rtt_ms"]["count"]' $CALLS
check2 'r["media"]["packets_in"] == r["media"]["packets_out"]' True
echo "PASS call_rtp.lua -> sipp -sn uas -rtp_echo: $CALLS calls, echo round trip p50 $(json "$WORK/run.json" 'r["media"]["echo_rtt_ms"]["p50"]') ms"
