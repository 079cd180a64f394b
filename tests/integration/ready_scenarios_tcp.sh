#!/usr/bin/env bash
# Every ready UAC scenario against its counterpart over TCP (the built-in UAS listens on TCP), with a
# shared connection and with a connection per call: all calls succeed, none is retransmitted.
source "$(dirname "$0")/lib.sh"
CALLS=30

check() {  # check NAME JSON
  local ok failed retrans
  ok=$(json "$2" 'r["calls"]["succeeded"]')
  failed=$(json "$2" 'r["calls"]["failed"]')
  retrans=$(json "$2" 'r["retransmissions"]["total"]')
  [ "$ok" = $CALLS ] && [ "$failed" = 0 ] ||
    fail "$1: $ok succeeded and $failed failed ($(json "$2" 'r["calls"]["failed_by_detail"]'))"
  [ "$retrans" = 0 ] || fail "$1: $retrans retransmissions over TCP"
  echo "PASS $1: $ok succeeded, no retransmissions"
}

for s in basic_call register options_ping message call_auth call_cancel call_hold transfer_refer \
  subscribe_notify call_100rel; do
  for conns in shared per-call; do
    "$SIPSTORM" run "$ROOT/scenarios/$s.lua" --transport tcp --connections $conns --rate 30 --calls $CALLS \
      --shards 2 -q --out "$WORK/$s.json" >"$WORK/$s.log" 2>&1 || { cat "$WORK/$s.log"; fail "$s: exit code $?"; }
    check "$s over TCP ($conns)" "$WORK/$s.json"
  done
done
