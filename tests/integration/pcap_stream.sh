#!/usr/bin/env bash
# --pcap over TCP and TLS: each direction is written as a TCP stream that tshark decodes as SIP (over
# TLS, the plaintext), every message of every call present.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tls_certs.sh"
command -v tshark >/dev/null || fail "tshark is missing (Debian package tshark)"

# count PCAP [tshark options]: SIP messages by kind, "INVITE ACK BYE 180 200" counts.
count() {
  local pcap=$1
  shift
  tshark_sip -r "$pcap" "$@" -Y sip -T fields -e tcp.srcport -e sip.Method -e sip.Status-Code 2>/dev/null >"$WORK/f.txt" ||
    fail "tshark cannot read $pcap"
  for k in INVITE ACK BYE; do awk -F'\t' -v k=$k '$2 == k {n++} END {printf "%d ", n}' "$WORK/f.txt"; done
  for k in 180 200; do awk -F'\t' -v k=$k '$3 == k {n++} END {printf "%d ", n}' "$WORK/f.txt"; done
}

for conns in shared per-call; do
  "$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --transport tcp --connections $conns --calls 30 --rate 100 \
    --shards 2 -q --pcap "$WORK/tcp.pcap" >"$WORK/tcp.log" 2>&1 || { code=$?; cat "$WORK/tcp.log"; fail "tcp run: exit $code"; }
  got=$(count "$WORK/tcp.pcap")
  [ "$got" = "30 30 30 30 60 " ] || fail "TCP ($conns) trace: INVITE ACK BYE 180 200 = $got"
  echo "PASS pcap over TCP ($conns): $got"
done

make_certs "$WORK/certs"
PORT=25491
"$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --transport tls --listen 127.0.0.1:$PORT --tls-cert "$WORK/certs/server.pem" \
  --tls-key "$WORK/certs/server.key" --shards 1 --duration 20 --calls 30 -q --pcap "$WORK/serve.pcap" \
  >"$WORK/serve.log" 2>&1 &
SERVE=$!
PIDS+=("$SERVE")
for _ in $(seq 50); do ss -H -tln "sport = :$PORT" | grep -q . && break; sleep 0.1; done
ss -H -tln "sport = :$PORT" | grep -q . || { cat "$WORK/serve.log"; fail "serve does not listen on $PORT"; }
"$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target "sips:127.0.0.1:$PORT" --tls-ca "$WORK/certs/ca.pem" \
  --calls 30 --rate 100 --shards 1 -q --pcap "$WORK/tls.pcap" >"$WORK/tls.log" 2>&1 || { code=$?; cat "$WORK/tls.log"; fail "tls run: exit $code"; }
wait "$SERVE" || true
for side in tls serve; do
  got=$(count "$WORK/$side.pcap" -d "tcp.port==$PORT,sip")
  [ "$got" = "30 30 30 30 60 " ] || fail "TLS plaintext trace ($side): INVITE ACK BYE 180 200 = $got"
  echo "PASS pcap over TLS ($side side, plaintext): $got"
done
