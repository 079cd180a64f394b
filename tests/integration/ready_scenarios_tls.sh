#!/usr/bin/env bash
# Every ready UAC scenario over TLS against its counterpart run by sipstorm serve --transport tls (the
# scenario's peer, else answer.lua), with a certificate made here: all calls succeed, verified.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tls_certs.sh"
C="$WORK/certs"
make_certs "$C"
CALLS=20
PORT=25571
for s in basic_call register options_ping message call_auth call_cancel call_hold transfer_refer \
  subscribe_notify call_100rel; do
  peer=$(sed -n 's/^ *peer = "\(.*\)",*$/\1/p' "$ROOT/scenarios/$s.lua")
  PORT=$((PORT + 1))
  "$SIPSTORM" serve "$ROOT/scenarios/${peer:-answer.lua}" --transport tls --listen 127.0.0.1:$PORT \
    --tls-cert "$C/server.pem" --tls-key "$C/server.key" --shards 1 --duration 30 -q >"$WORK/serve-$s.log" 2>&1 &
  SERVE=$!
  PIDS+=("$SERVE")
  for _ in $(seq 50); do ss -H -tln "sport = :$PORT" | grep -q . && break; sleep 0.1; done
  "$SIPSTORM" run "$ROOT/scenarios/$s.lua" --target "sips:localhost:$PORT" --tls-ca "$C/ca.pem" --rate 40 \
    --calls $CALLS --shards 2 -q --out "$WORK/$s.json" >"$WORK/$s.log" 2>&1 || { code=$?; cat "$WORK/$s.log"; fail "$s: exit $code"; }
  ok=$(json "$WORK/$s.json" 'r["calls"]["succeeded"]')
  [ "$ok" = $CALLS ] || fail "$s over TLS: $ok of $CALLS succeeded"
  [ "$(json "$WORK/$s.json" 'r["retransmissions"]["total"]')" = 0 ] || fail "$s over TLS: retransmissions"
  echo "PASS $s over TLS -> serve ${peer:-answer.lua}: $ok/$CALLS"
  kill "$SERVE"
  wait "$SERVE" 2>/dev/null || true
done
