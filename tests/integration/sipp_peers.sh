#!/usr/bin/env bash
# SIPp as the peer of the ready scenarios: SIPp's UAC -> answer_busy.lua (SIPp sees 486 on every
# call, answer_busy completes each), a SIPp REGISTER scenario -> registrar.lua (200 with the
# binding's Contact and Expires copied back), and call_cancel.lua -> a SIPp UAS that rings until
# cancelled (sipp_uas_cancel.xml: 180, then 200 to the CANCEL and 487 to the INVITE).
source "$(dirname "$0")/lib.sh"
need sipp sip-tester
N=50

"$SIPSTORM" serve "$ROOT/scenarios/answer_busy.lua" --listen 127.0.0.1:25074 --calls $N --duration 60 -q \
  --out "$WORK/busy.json" >"$WORK/busy.log" 2>&1 &
SERVE=$!
PIDS+=("$SERVE")
wait_udp 25074
# SIPp's uac expects a 200, so each 486 counts as a failed call there (exit code 1).
(cd "$WORK" && sipp -sn uac 127.0.0.1:25074 -i 127.0.0.1 -p 25075 -m $N -r 50 -nostdin -trace_stat \
  -stf stat.csv >/dev/null 2>&1) && fail "SIPp reported success against a busy callee"
wait "$SERVE" || fail "serve answer_busy: exit code $?"
[ "$(json "$WORK/busy.json" 'r["calls"]["succeeded"]')" = $N ] || fail "answer_busy did not complete $N calls"
[ "$(json "$WORK/busy.json" 'r["messages"]["out"]["responses"]["4xx"]')" -ge $N ] || fail "no 486 sent"
echo "PASS sipp uac -> answer_busy.lua: $N x 486 and ACK"

cat >"$WORK/register.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register">
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
Max-Forwards: 70
From: <sip:user[call_number]@sipstorm.test>;tag=[pid]SIPpTag[call_number]
To: <sip:user[call_number]@sipstorm.test>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:user[call_number]@[local_ip]:[local_port]>
Expires: 120
Content-Length: 0

]]></send>
  <recv response="200">
    <action>
      <ereg regexp="Contact: &lt;sip:user[0-9]+@127.0.0.1:25077&gt;" search_in="msg" check_it="true" assign_to="c"/>
      <ereg regexp="Expires: 120" search_in="msg" check_it="true" assign_to="e"/>
    </action>
  </recv>
  <Reference variables="c,e"/>
</scenario>
XML
"$SIPSTORM" serve "$ROOT/scenarios/registrar.lua" --listen 127.0.0.1:25076 --calls $N --duration 60 -q \
  --out "$WORK/registrar.json" >"$WORK/registrar.log" 2>&1 &
SERVE=$!
PIDS+=("$SERVE")
wait_udp 25076
(cd "$WORK" && sipp -sf register.xml 127.0.0.1:25076 -i 127.0.0.1 -p 25077 -m $N -r 50 -nostdin >/dev/null 2>&1) ||
  fail "SIPp's REGISTERs failed against registrar.lua (exit $?)"
wait "$SERVE" || fail "serve registrar: exit code $?"
[ "$(json "$WORK/registrar.json" 'r["calls"]["succeeded"]')" = $N ] || fail "registrar did not answer $N"
echo "PASS sipp REGISTER -> registrar.lua: $N/$N with the bindings copied"

(cd "$WORK" && sipp -sf "$ROOT/tests/integration/sipp_uas_cancel.xml" -i 127.0.0.1 -p 25078 -m $N -nostdin \
  >/dev/null 2>&1) &
SIPP=$!
PIDS+=("$SIPP")
wait_udp 25078
"$SIPSTORM" run "$ROOT/scenarios/call_cancel.lua" --target 127.0.0.1:25078 --rate 50 --calls $N -q \
  --out "$WORK/cancel.json" >"$WORK/cancel.log" 2>&1 || { cat "$WORK/cancel.log"; fail "call_cancel: exit $?"; }
wait "$SIPP" || fail "the SIPp UAS saw failed calls (exit $?)"
[ "$(json "$WORK/cancel.json" 'r["calls"]["succeeded"]')" = $N ] || fail "call_cancel did not complete $N calls"
echo "PASS call_cancel.lua -> SIPp UAS: $N x CANCEL, 200, 487, ACK"
