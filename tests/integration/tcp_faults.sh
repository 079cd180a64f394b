#!/usr/bin/env bash
# TCP faults and framing against raw socket peers (tcp_raw_peer.py): a refused connect, a peer that
# closes or resets mid-call, one that accepts and never answers, and serve's framing (two messages in
# a segment, a message byte by byte, CRLF keep-alives, no Content-Length, oversize, a slow reader).
# Faults fail the calls with their reason; nothing crashes or hangs; the run exits 1.
source "$(dirname "$0")/lib.sh"
PEER="$(dirname "$0")/tcp_raw_peer.py"

# run_expect NAME PORT REASON DETAIL [run options...]: every call fails with REASON, a detail holding DETAIL.
run_expect() {
  local name=$1 port=$2 reason=$3 detail=$4
  shift 4
  set +e
  timeout 60 "$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target 127.0.0.1:$port --transport tcp \
    --calls ${RUN_CALLS:-5} --rate 20 --shards 1 --t1 ${RUN_T1:-50} -q --out "$WORK/$name.json" "$@" > "$WORK/$name.log" 2>&1
  local code=$?
  set -e
  [ $code = 1 ] || { cat "$WORK/$name.log"; fail "$name: exit code $code, expected 1"; }
  [ "$(json "$WORK/$name.json" "r['calls']['failed_by_reason']['$reason']")" = ${RUN_CALLS:-5} ] \
    || { cat "$WORK/$name.log"; fail "$name: not every call failed with $reason"; }
  json "$WORK/$name.json" 'r["calls"]["failed_by_detail"]' | grep -q "$detail" \
    || { cat "$WORK/$name.log"; fail "$name: no failure says '$detail'"; }
  echo "PASS $name: ${RUN_CALLS:-5} calls failed with $reason ($detail), exit 1"
}

# Refused: nothing listens.
run_expect refused_per_call 25391 transport_error "refused" --connections per-call
run_expect refused_shared 25391 transport_error "refused" --connections shared --reconnect 1

for mode in close reset; do
  python3 "$PEER" server 25392 $mode &
  PIDS+=($!)
  wait_tcp 25392
  want=$([ $mode = close ] && echo "closed by the peer" || echo "reset")
  run_expect "peer_${mode}_per_call" 25392 transport_error "$want" --connections per-call
  run_expect "peer_${mode}_shared" 25392 transport_error "$want" --connections shared --reconnect 10
  kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
  unset 'PIDS[-1]'
  sleep 0.2
done

# Accepts and never answers: Timer B (64*T1 = 3.2 s at --t1 50) ends each call.
python3 "$PEER" server 25393 silent &
PIDS+=($!)
wait_tcp 25393
run_expect silent 25393 timeout "Timer B" --connections per-call

# serve's framing, with a small --max-message for the oversize check.
"$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 127.0.0.1:25394 --transport tcp --shards 1 \
  --max-message 2048 --duration 30 -q --out "$WORK/serve.json" > "$WORK/serve.log" 2>&1 &
SERVE=$!
PIDS+=("$SERVE")
wait_tcp 25394
python3 "$PEER" client 25394 || fail "serve framing checks failed"
kill -INT "$SERVE"
wait "$SERVE" || true
echo "PASS serve framing and slow client"

# --keepalive: pings on an idle shared connection are answered (serve), the calls succeed ...
"$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 127.0.0.1:25395 --transport tcp --shards 1 --duration 30 \
  -q > "$WORK/serve_ka.log" 2>&1 &
PIDS+=($!)
wait_tcp 25395
"$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target 127.0.0.1:25395 --transport tcp --keepalive 300ms \
  --set hold=1.5 --calls 2 --rate 10 --shards 1 -q --out "$WORK/ka.json" > "$WORK/ka.log" 2>&1 \
  || { cat "$WORK/ka.log"; fail "keepalive run: exit $?"; }
[ "$(json "$WORK/ka.json" 'r["connections"]["keepalive_pongs"] >= 2 and r["connections"]["keepalive_pongs"] == r["connections"]["keepalives_sent"]')" = True ] \
  || fail "keep-alive pings unanswered: $(json "$WORK/ka.json" 'r["connections"]')"
echo "PASS --keepalive: $(json "$WORK/ka.json" 'r["connections"]["keepalive_pongs"]') pings answered, calls succeeded"
# ... and a peer that never answers one fails the connection 10 s later, its call with it.
RUN_CALLS=1 RUN_T1=500 run_expect keepalive_silent 25393 transport_error "keep-alive" --keepalive 1s
