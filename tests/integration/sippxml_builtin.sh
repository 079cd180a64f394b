#!/usr/bin/env bash
# SIPp's built-in scenarios, exported with `sipp -sd NAME`, run by sipstorm against SIPp's counterpart
# (sipstorm run X.xml -> SIPp UAS) and served by sipstorm against SIPp's UAC (SIPp -> sipstorm serve
# X.xml): every call succeeds both ways, and sipstorm's counts agree with SIPp's own statistics
# (-trace_stat); ooc_default answers any out-of-call request; uac_pcap replays its captures.
source "$(dirname "$0")/lib.sh"
need sipp sip-tester
need pgrep procps
N=40
for s in uac uas regexp branchc branchs uac_pcap ooc_default; do
  sipp -sd $s >"$WORK/$s.xml" || true  # it exits 1 after dumping
  grep -q "</scenario>" "$WORK/$s.xml" || fail "sipp -sd $s dumped no scenario"
done

# sipp_stat CSV COLUMN: the last value of a -trace_stat column.
sipp_stat() {
  python3 - "$1" "$2" <<'PY'
import sys
rows = [l.rstrip("\n").split(";") for l in open(sys.argv[1]) if l.strip()]
print(rows[-1][rows[0].index(sys.argv[2])])
PY
}

# wait_exit PID: waits up to 60 s for a background SIPp to end after its -m calls.
wait_exit() {
  for _ in $(seq 600); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  fail "SIPp (pid $1) did not end after its calls"
}

port=25181
# sipstorm UAC (XML) -> SIPp UAS
for pair in "uac.xml:-sn uas" "regexp.xml:-sn uas" "branchc.xml:-sf $WORK/branchs.xml"; do
  xml=${pair%%:*}; peer=${pair#*:}; port=$((port + 1))
  # shellcheck disable=SC2086  # peer is two words
  (cd "$WORK" && exec sipp $peer -i 127.0.0.1 -p $port -m $N -nostdin -trace_stat -stf "$WORK/s_$xml.csv" >/dev/null 2>&1) &
  pid=$!; PIDS+=("$pid")
  wait_udp $port
  "$SIPSTORM" run "$WORK/$xml" --target 127.0.0.1:$port --calls $N --rate 40 --shards 2 -q --out "$WORK/r_$xml.json" \
    --set duration=200 || fail "$xml: sipstorm exit code $?"
  wait_exit "$pid"
  ok=$(json "$WORK/r_$xml.json" 'r["calls"]["succeeded"]')
  [ "$ok" = $N ] || fail "$xml: $ok of $N calls succeeded"
  [ "$(sipp_stat "$WORK/s_$xml.csv" 'SuccessfulCall(C)')" = $N ] || fail "$xml: SIPp counted $(sipp_stat "$WORK/s_$xml.csv" 'SuccessfulCall(C)') successful calls"
  [ "$(sipp_stat "$WORK/s_$xml.csv" 'FailedCall(C)')" = 0 ] || fail "$xml: SIPp counted failed calls"
  [ "$(sipp_stat "$WORK/s_$xml.csv" 'IncomingCall(C)')" = $N ] || fail "$xml: SIPp saw other than $N calls"
  echo "ok: sipstorm run $xml -> sipp $peer: $N/$N, SIPp agrees"
done

# SIPp UAC -> sipstorm serve (XML)
for pair in "uas.xml:uac" "uas.xml:regexp" "branchs.xml:branchc"; do
  xml=${pair%%:*}; peer=${pair#*:}; port=$((port + 1))
  "$SIPSTORM" serve "$WORK/$xml" --listen 127.0.0.1:$port --calls $N -q --out "$WORK/v_$peer.json" &
  spid=$!; PIDS+=("$spid")
  wait_udp $port
  (cd "$WORK" && sipp -sn "$peer" -i 127.0.0.1 -p $((port + 100)) 127.0.0.1:$port -m $N -r 40 -d 200 -nostdin \
    -trace_stat -stf "$WORK/c_$peer.csv" >/dev/null 2>&1) || fail "sipp -sn $peer -> serve $xml: SIPp exit code $?"
  wait "$spid" || fail "serve $xml: exit code $?"
  ok=$(json "$WORK/v_$peer.json" 'r["calls"]["succeeded"]')
  [ "$ok" = $N ] || fail "serve $xml: $ok of $N calls succeeded"
  [ "$(sipp_stat "$WORK/c_$peer.csv" 'SuccessfulCall(C)')" = $N ] || fail "sipp $peer counted other than $N successful calls"
  [ "$(sipp_stat "$WORK/c_$peer.csv" 'OutgoingCall(C)')" = "$(json "$WORK/v_$peer.json" 'r["calls"]["attempted"]')" ] ||
    fail "sipp $peer: outgoing calls differ from sipstorm's attempted"
  echo "ok: sipp -sn $peer -> sipstorm serve $xml: $N/$N, SIPp agrees"
done

# ooc_default (SIPp's answer to any out-of-call request: recv request=".*" regexp_match) served by
# sipstorm: OPTIONS from sipstorm's options_ping.lua and from sipsak, a third-party client, get 200.
need sipsak sipsak
port=$((port + 1))
"$SIPSTORM" serve "$WORK/ooc_default.xml" --listen 127.0.0.1:$port --calls $((N + 1)) --duration 60 -q --out "$WORK/ooc.json" &
spid=$!; PIDS+=("$spid")
wait_udp $port
"$SIPSTORM" run "$ROOT/scenarios/options_ping.lua" --target 127.0.0.1:$port --calls $N --rate 40 -q --out "$WORK/ooc_c.json" ||
  fail "options_ping.lua -> serve ooc_default.xml: exit code $?"
sipsak -v -s "sip:ping@127.0.0.1:$port" >"$WORK/sipsak.txt" 2>&1 || fail "sipsak OPTIONS -> serve ooc_default.xml: exit $? ($(cat "$WORK/sipsak.txt"))"
grep -q "200 OK" "$WORK/sipsak.txt" || fail "sipsak: no 200 OK: $(cat "$WORK/sipsak.txt")"
wait "$spid" || fail "serve ooc_default.xml: exit code $?"
[ "$(json "$WORK/ooc.json" 'r["calls"]["succeeded"]')" = $((N + 1)) ] || fail "serve ooc_default.xml: $(json "$WORK/ooc.json" 'r["calls"]')"
echo "ok: serve ooc_default.xml answers $N OPTIONS from options_ping.lua and one from sipsak"

# uac_pcap (its <exec play_pcap_audio> actions replay g711a.pcap, then dtmf_2833_1.pcap, found where
# Debian's sip-tester installs them) run by sipstorm: to serve answer_rtp.lua, which counts each call's
# 246 packets and digit 1, and to SIPp's uas -rtp_echo, which echoes them back to sipstorm.
M=3
port=$((port + 1))
"$SIPSTORM" import "$WORK/uac_pcap.xml" -o "$WORK/uac_pcap.lua" || fail "import uac_pcap.xml: exit code $?"
for scenario in uac_pcap.xml uac_pcap.lua; do  # and the Lua `import` writes: the same media steps
  port=$((port + 1))
  "$SIPSTORM" serve "$ROOT/scenarios/answer_rtp.lua" --listen 127.0.0.1:$port --rtp-ports 26400-26499 --calls $M \
    --duration 60 -q --out "$WORK/pcap_s.json" &
  spid=$!; PIDS+=("$spid")
  wait_udp $port
  "$SIPSTORM" run "$WORK/$scenario" --target 127.0.0.1:$port --rtp-ports 26500-26599 --calls $M --rate $M -q \
    --out "$WORK/pcap_c.json" || fail "$scenario -> serve answer_rtp.lua: exit code $?"
  wait "$spid" || fail "serve answer_rtp.lua: exit code $?"
  got=$(json "$WORK/pcap_s.json" '"%d %d %d %d" % (r["calls"]["succeeded"], r["media"]["packets_in"], r["media"]["lost"], r["media"]["dtmf_received"].get("1", 0))')
  [ "$got" = "$M $((M * 246)) 0 $M" ] || fail "$scenario -> answer_rtp.lua: calls, packets, lost, digit 1 = $got"
  echo "ok: sipstorm run $scenario -> serve answer_rtp.lua: $got (calls, RTP packets, lost, digit 1)"
done
port=$((port + 1))
(cd "$WORK" && exec sipp -sn uas -rtp_echo -i 127.0.0.1 -p $port -mp 26600 -nostdin -bg >/dev/null 2>&1) || true
for _ in $(seq 50); do pid=$(pgrep -f "sipp -sn uas -rtp_echo -i 127.0.0.1 -p $port" || true); [ -n "$pid" ] && break; sleep 0.1; done
[ -n "$pid" ] || fail "SIPp's uas -rtp_echo did not start"
PIDS+=("$pid")
wait_udp $port
"$SIPSTORM" run "$WORK/uac_pcap.xml" --target 127.0.0.1:$port --rtp-ports 26700-26799 --calls $M --rate $M -q \
  --out "$WORK/pcap_e.json" || fail "uac_pcap.xml -> sipp -sn uas -rtp_echo: exit code $?"
got=$(json "$WORK/pcap_e.json" '"%d %d %d" % (r["calls"]["succeeded"], r["media"]["packets_out"], r["media"]["packets_in"])')
[ "$got" = "$M $((M * 246)) $((M * 246))" ] || fail "uac_pcap.xml -> sipp uas -rtp_echo: calls, RTP out, RTP in = $got"
echo "ok: sipstorm run uac_pcap.xml -> sipp -sn uas -rtp_echo: $got (calls, RTP out, echoed back)"

echo "PASS sippxml built-in scenarios both ways"
