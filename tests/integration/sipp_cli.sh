#!/usr/bin/env bash
# `sipstorm sipp ARGS...` takes SIPp's command line: 500 calls at 100/s against SIPp's UAS, exit 0,
# and a -trace_stat file with exactly SIPp's header (compared with the one SIPp itself writes for the
# same scenario) and SIPp's counts on its last row; SIPp's UAC against `sipstorm sipp -sn uas`;
# an unsupported option is an error naming it.
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

set +e
"$SIPSTORM" sipp -sn uac -trace_screen 127.0.0.1:$PORT 2>err.txt; rc=$?
set -e
[ $rc = 2 ] || fail "unsupported option: exit code $rc"
grep -q -- "option -trace_screen is not supported" err.txt || fail "unsupported option: $(cat err.txt)"
"$SIPSTORM" sipp -sd branchs | grep -q '<recv request="REGISTER"' || fail "-sd branchs"
echo "PASS sipstorm sipp"
