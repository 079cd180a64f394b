#!/usr/bin/env bash
# `sipstorm sipp ARGS...` takes SIPp's command line: 500 calls at 100/s against SIPp's UAS, exit 0,
# and a -trace_stat file with exactly SIPp's header (compared with the one SIPp itself writes for the
# same scenario) and SIPp's counts on its last row; SIPp's UAC against `sipstorm sipp -sn uas`;
# an unsupported option is an error naming it; SIPp's exit codes 97 (-timeout ended the run) and 99
# (no call processed); -aa against SIPp's own -aa and sipstorm's; -t t1 / tn over TCP to SIPp's UAS.
source "$(dirname "$0")/lib.sh"
need sipp sip-tester
PORT=25591
(cd "$WORK" && exec sipp -sn uas -i 127.0.0.1 -p $PORT -nostdin >/dev/null 2>&1) &
PIDS+=("$!")
wait_udp $PORT
cd "$WORK"
"$SIPSTORM" sipp -sn uac -r 100 -m 500 -trace_stat -stf s.csv 127.0.0.1:$PORT >out.txt 2>&1 || fail "exit code $? ($(tail -3 out.txt))"
sipp -sn uac -r 50 -m 5 -trace_stat -stf sipp.csv -nostdin 127.0.0.1:$PORT >/dev/null 2>&1 || fail "SIPp's own run failed"
[ "$(head -1 s.csv)" = "$(head -1 sipp.csv)" ] || fail "the header differs from SIPp's: $(diff <(head -1 s.csv | tr ';' '\n') <(head -1 sipp.csv | tr ';' '\n'))"
python3 - <<'PY' || fail "the statistics file's counts"
rows = [l.rstrip("\n").split(";") for l in open("s.csv")]
head, last = rows[0], rows[-1]
assert all(len(r) == len(head) for r in rows), "ragged rows"
col = lambda n: last[head.index(n)]
assert col("OutgoingCall(C)") == "500" and col("SuccessfulCall(C)") == "500" and col("FailedCall(C)") == "0", last
assert col("TargetRate") == "100", col("TargetRate")
assert int(col("ResponseTimeRepartition1_<10")) + int(col("ResponseTimeRepartition1_<20")) > 0
PY
echo "ok: sipstorm sipp -sn uac -r 100 -m 500 -trace_stat: exit 0, SIPp's columns, 500 successful calls"

# SIPp's UAC against `sipstorm sipp -sn uas` (the UAS role: -i/-p are where it listens).
P2=$((PORT + 1))
"$SIPSTORM" sipp -sn uas -i 127.0.0.1 -p $P2 -m 20 -trace_stat -stf uas.csv >uas.txt 2>&1 &
spid=$!; PIDS+=("$spid")
wait_udp $P2
sipp -sn uac -r 20 -m 20 -d 100 -nostdin 127.0.0.1:$P2 >/dev/null 2>&1 || fail "SIPp UAC -> sipstorm sipp -sn uas: exit code $?"
wait "$spid" || fail "sipstorm sipp -sn uas: exit code $?"
python3 -c "
rows=[l.split(';') for l in open('uas.csv')]; h=rows[0]; last=rows[-1]
assert last[h.index('IncomingCall(C)')]=='20' and last[h.index('SuccessfulCall(C)')]=='20', last" || fail "uas.csv counts"
echo "ok: sipp -sn uac -> sipstorm sipp -sn uas: 20/20"

# Exit status: 97 when -timeout ends the run before -m calls, 99 when no call was processed.
set +e
"$SIPSTORM" sipp -sn uac -r 5 -m 1000 -timeout 2 127.0.0.1:$PORT >t.txt 2>&1; rc=$?
[ $rc = 97 ] || fail "-timeout before -m calls: exit code $rc, not 97 ($(tail -3 t.txt))"
"$SIPSTORM" sipp -sn uas -i 127.0.0.1 -p $((PORT + 2)) -timeout 1 >t.txt 2>&1; rc=$?
[ $rc = 99 ] || fail "no call processed: exit code $rc, not 99 ($(tail -3 t.txt))"
set -e
echo "ok: exit codes 97 (-timeout) and 99 (no call)"

# -aa: an INFO inside the call that SIPp's uas scenario does not expect is answered 200, by SIPp's
# own -aa as by sipstorm's; without -aa sipstorm fails those calls (unexpected INFO).
P3=$((PORT + 3)) P4=$((PORT + 4)) P5=$((PORT + 5))
(exec sipp -sn uas -i 127.0.0.1 -p $P3 -aa -nostdin >/dev/null 2>&1) &
PIDS+=("$!")
"$SIPSTORM" sipp -sn uas -i 127.0.0.1 -p $P4 -aa -m 10 >aa.txt 2>&1 &
aapid=$!; PIDS+=("$aapid")
"$SIPSTORM" sipp -sn uas -i 127.0.0.1 -p $P5 -m 10 -timeout 20 >noaa.txt 2>&1 &
noaapid=$!; PIDS+=("$noaapid")
wait_udp $P3; wait_udp $P4; wait_udp $P5
for p in $P3 $P4; do
  "$SIPSTORM" sipp -sf "$ROOT/tests/sippxml/info_in_call.xml" -r 20 -m 10 127.0.0.1:$p >info.txt 2>&1 ||
    fail "INFO in a call to port $p (-aa): exit code $? ($(grep -i failed info.txt | head -3))"
done
wait "$aapid" || fail "sipstorm sipp -sn uas -aa: exit code $? ($(tail -5 aa.txt))"
grep -q "auto-answered: 10 " aa.txt || fail "sipstorm -aa: $(grep -i auto aa.txt)"
set +e
"$SIPSTORM" sipp -sf "$ROOT/tests/sippxml/info_in_call.xml" -r 20 -m 10 -recv_timeout 1000 127.0.0.1:$P5 >info.txt 2>&1
wait "$noaapid"; rc=$?
set -e
[ $rc = 1 ] && grep -q "unexpected" noaa.txt || fail "without -aa the UAS should fail its calls on the INFO: exit $rc ($(tail -5 noaa.txt))"
echo "ok: -aa answers an unexpected in-call INFO (SIPp's and sipstorm's), without it the call fails"

# SIPp's default behaviour "bye": a call that fails while its INVITE rings sends a CANCEL (the 487
# that follows is ACKed), one that fails in its dialog sends a BYE; -default_behaviors none sends
# neither. The UAS: serve answer_ring.lua ringing 30 s, serve answer.lua (which does not take INFO).
P7=$((PORT + 7)) P8=$((PORT + 8))
"$SIPSTORM" serve "$ROOT/scenarios/answer_ring.lua" --set ring=30 --listen 127.0.0.1:$P7 --duration 30 --calls 6 -q \
  --out ring.json >ring.txt 2>&1 &
ringpid=$!; PIDS+=("$ringpid")
wait_udp $P7
# count FLAGS...: runs `sipstorm sipp FLAGS` (its calls must fail), prints "CANCEL BYE" sent.
count() {
  set +e
  "$SIPSTORM" sipp "$@" -trace_msg >abort.txt 2>&1; local rc=$?
  set -e
  [ $rc = 1 ] || fail "sipstorm sipp $*: exit $rc, expected 1 ($(tail -3 abort.txt))"
  local pcap; pcap=$(ls -t ./*_messages.pcap | head -1)
  for m in CANCEL BYE; do
    tshark_sip -r "$pcap" -Y "sip.Method == \"$m\" && udp.srcport != $P7 && udp.srcport != $P8" 2>/dev/null | wc -l | tr '\n' ' '
  done
  rm -f "$pcap"
}
need tshark tshark
got=$(count -sn uac -m 3 -r 3 -recv_timeout 1000 127.0.0.1:$P7)
[ "$got" = "3 0 " ] || fail "ringing calls that time out: CANCEL BYE sent = $got, expected 3 0"
got=$(count -sn uac -m 3 -r 3 -recv_timeout 1000 -default_behaviors none 127.0.0.1:$P7)
[ "$got" = "0 0 " ] || fail "-default_behaviors none: CANCEL BYE sent = $got, expected 0 0"
kill "$ringpid"; wait "$ringpid" || true
[ "$(json ring.json 'r["messages"]["in"]["requests"].get("CANCEL", 0)')" = 3 ] || fail "answer_ring.lua did not get 3 CANCELs"
"$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 127.0.0.1:$P8 --duration 30 --calls 3 -q >answer.txt 2>&1 &
PIDS+=("$!")
wait_udp $P8
got=$(count -sf "$ROOT/tests/sippxml/info_in_call.xml" -m 3 -r 3 -recv_timeout 1000 127.0.0.1:$P8)
[ "$got" = "0 3 " ] || fail "calls that fail in their dialog: CANCEL BYE sent = $got, expected 0 3 ($(cat answer.txt))"
echo "ok: default behaviour bye: a CANCEL for each ringing call that fails, a BYE for each answered one; none with -default_behaviors none"

# -t t1 (one TCP connection for every call) and -t tn (one per call) against SIPp's UAS over TCP.
P6=$((PORT + 6))
(exec sipp -sn uas -t t1 -i 127.0.0.1 -p $P6 -nostdin >/dev/null 2>&1) &
PIDS+=("$!")
for _ in $(seq 50); do ss -H -tln "sport = :$P6" | grep -q . && break; sleep 0.1; done
for t in t1 tn; do
  "$SIPSTORM" sipp -sn uac -t $t -r 50 -m 50 -trace_stat -stf tcp_$t.csv 127.0.0.1:$P6 >tcp.txt 2>&1 ||
    fail "-t $t: exit code $? ($(tail -5 tcp.txt))"
  grep -q "transport: TCP" tcp.txt || fail "-t $t: not over TCP: $(grep transport tcp.txt)"
done
grep -q "one connection per call" tcp.txt || fail "-t tn: $(grep transport tcp.txt)"
echo "ok: -t t1 and -t tn to SIPp's UAS over TCP: 50/50 each"

set +e
"$SIPSTORM" sipp -sn uac -trace_screen 127.0.0.1:$PORT 2>err.txt; rc=$?
set -e
[ $rc = 2 ] || fail "unsupported option: exit code $rc"
grep -q -- "option -trace_screen is not supported" err.txt || fail "unsupported option: $(cat err.txt)"
"$SIPSTORM" sipp -sd branchs | grep -q '<recv request="REGISTER"' || fail "-sd branchs"
"$SIPSTORM" sipp -sd ooc_default | grep -q 'regexp_match="true"' || fail "-sd ooc_default"

# -sn uac_pcap with -mp (where the RTP ports start) against SIPp's uas: the captures play.
"$SIPSTORM" sipp -sn uac_pcap -mp 26800 -m 2 -r 2 -trace_stat -stf pcap.csv 127.0.0.1:$PORT >pcap.txt 2>&1 ||
  fail "-sn uac_pcap: exit code $? ($(tail -5 pcap.txt))"
grep -q "media: 2 streams .*RTP 492 out" pcap.txt || fail "-sn uac_pcap: $(grep media: pcap.txt)"
echo "ok: -sn uac_pcap -mp 26800: 2 calls, 492 RTP packets out"

# -sn uas -rtp_echo: sipstorm's call_rtp.lua measures its stream echoed back (none lost, a round trip).
P9=$((PORT + 9))
"$SIPSTORM" sipp -sn uas -rtp_echo -mp 26900 -mi 127.0.0.1 -i 127.0.0.1 -p $P9 -m 2 >echo.txt 2>&1 &
echopid=$!; PIDS+=("$echopid")
wait_udp $P9
"$SIPSTORM" run "$ROOT/scenarios/call_rtp.lua" --target 127.0.0.1:$P9 --rtp-ports 26950-26999 --set talk=2 --calls 2 \
  --rate 2 -q --out echo.json >echo_c.txt 2>&1 || fail "call_rtp.lua -> sipstorm sipp -sn uas -rtp_echo: exit $?"
wait "$echopid" || fail "sipstorm sipp -sn uas -rtp_echo: exit $? ($(tail -3 echo.txt))"
got=$(json echo.json '"%d %d %d" % (r["media"]["lost"], r["media"]["packets_in"] > 0, r["latency_ms"]["media"]["echo_rtt_ms"]["count"] if "media" in r["latency_ms"] else r["media"]["echo_rtt_ms"]["count"])')
[ "$got" = "0 1 2" ] || fail "-rtp_echo: lost, packets back, echo round trips = $got"
echo "ok: -sn uas -rtp_echo: call_rtp.lua's streams come back, 0 lost, 2 echo round trips"
set +e
"$SIPSTORM" sipp -sn uas -mi 192.0.2.1 -i 127.0.0.1 -p $P9 2>mi.txt; rc=$?
set -e
[ $rc = 2 ] && grep -q -- "-mi 192.0.2.1: RTP goes from the signalling address" mi.txt || fail "-mi: exit $rc ($(cat mi.txt))"
echo "PASS sipstorm sipp"
