#!/usr/bin/env bash
# SIP over TCP against SIPp both ways, in both of SIPp's connection modes: sipstorm run -> sipp -sn uas
# -t t1 / -t tn (with shared and per-call connections), and sipp -sn uac -t t1 / -t tn -> sipstorm
# serve --transport tcp. 300 calls each; every one must succeed.
source "$(dirname "$0")/lib.sh"
command -v sipp >/dev/null || fail "sipp is missing (Debian package sip-tester)"

check() {  # check RESULT.json WHAT
  [ "$(json "$1" 'r["calls"]["succeeded"]')" = 300 ] || fail "$2: not all calls succeeded ($(json "$1" 'r["calls"]["failed_by_detail"]'))"
  [ "$(json "$1" 'r["calls"]["failed"]')" = 0 ] || fail "$2: failed calls"
  [ "$(json "$1" 'r["retransmissions"]["total"]')" = 0 ] \
    || fail "$2: retransmissions over TCP"
}

PORT=25261
for mode in t1 tn; do
  PORT=$((PORT + 1))
  (cd "$WORK" && exec sipp -sn uas -i 127.0.0.1 -p $PORT -t $mode -max_socket 4000 -nostdin -bg >/dev/null 2>&1) || true
  for _ in $(seq 50); do pid=$(pgrep -f "sipp -sn uas -i 127.0.0.1 -p $PORT" || true); [ -n "$pid" ] && break; sleep 0.1; done
  [ -n "$pid" ] || fail "SIPp UAS -t $mode did not start"
  PIDS+=("$pid")
  wait_tcp $PORT
  for conns in shared per-call 4; do
    "$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target "sip:127.0.0.1:$PORT;transport=tcp" --connections $conns \
      --calls 300 --rate 150 --shards 2 -q --out "$WORK/r.json" > "$WORK/run.log" 2>&1 \
      || { cat "$WORK/run.log"; fail "sipstorm -> sipp uas -t $mode, --connections $conns: exit code $?"; }
    check "$WORK/r.json" "sipstorm -> sipp uas -t $mode --connections $conns"
    echo "PASS sipstorm --transport tcp --connections $conns -> sipp uas -t $mode: 300/300"
  done
done

for mode in t1 tn; do
  PORT=$((PORT + 1))
  "$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 127.0.0.1:$PORT --transport tcp --shards 2 --calls 300 \
    --duration 60 -q --out "$WORK/serve.json" > "$WORK/serve.log" 2>&1 &
  SERVE=$!
  PIDS+=("$SERVE")
  wait_tcp $PORT
  (cd "$WORK" && sipp -sn uac 127.0.0.1:$PORT -i 127.0.0.1 -p $((PORT + 100)) -t $mode -max_socket 4000 -m 300 -r 150 \
    -nostdin >/dev/null 2>&1) || fail "SIPp UAC -t $mode reported failed calls (exit $?)"
  wait "$SERVE" || { cat "$WORK/serve.log"; fail "sipstorm serve exit code $?"; }
  check "$WORK/serve.json" "sipp uac -t $mode -> serve"
  echo "PASS sipp uac -t $mode -> sipstorm serve --transport tcp: 300/300"
done
