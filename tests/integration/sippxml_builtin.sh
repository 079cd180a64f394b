#!/usr/bin/env bash
# SIPp's built-in scenarios, exported with `sipp -sd NAME`, run by sipstorm against SIPp's counterpart
# (sipstorm run X.xml -> SIPp UAS) and served by sipstorm against SIPp's UAC (SIPp -> sipstorm serve
# X.xml): every call succeeds both ways, and sipstorm's counts agree with SIPp's own statistics
# (-trace_stat). The built-ins sipstorm refuses (media, regexp_match) fail with file:line, exit 2.
source "$(dirname "$0")/lib.sh"
need sipp sip-tester
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

# Built-ins that use what sipstorm does not do yet: a file:line error before anything runs, exit 2.
for pair in "uac_pcap.xml:play_pcap_audio"; do
  xml=${pair%%:*}; what=${pair#*:}
  set +e; "$SIPSTORM" run "$WORK/$xml" --target 127.0.0.1:9 --calls 1 -q 2>"$WORK/err"; rc=$?; set -e
  [ $rc = 2 ] || fail "$xml: exit code $rc, expected 2"
  grep -Eq "$xml:[0-9]+: .*$what.*not supported" "$WORK/err" || fail "$xml: $(cat "$WORK/err")"
  echo "ok: $xml refused: $(cat "$WORK/err")"
done
echo "PASS sippxml built-in scenarios both ways"
