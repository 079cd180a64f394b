#!/usr/bin/env bash
# SIP over TLS between sipstorm run and sipstorm serve, with certificates made here: calls succeed
# with a verified server (per-call and shared connections, TLS 1.2 and 1.3, mutual TLS, resumption,
# key log); every refusal fails each call with its reason and the run exits 1 (unknown CA, wrong
# name for an IP and for a host-name target, expired, missing client certificate); --tls-insecure
# passes and says so.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tls_certs.sh"
C="$WORK/certs"
make_certs "$C"
PORT=25600  # serve_tls takes the ports above it, one each

# serve_tls CERT [options...]: a TLS serve on PORT (a new port each time) for 30 s.
serve_tls() {
  PORT=$((PORT + 1))
  local cert=$1
  shift
  "$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --transport tls --listen 127.0.0.1:$PORT --tls-cert "$C/$cert.pem" \
    --tls-key "$C/$cert.key" --shards 1 --duration 30 -q --out "$WORK/serve-$PORT.json" "$@" >"$WORK/serve-$PORT.log" 2>&1 &
  SERVE=$!
  PIDS+=("$SERVE")
  wait_tcp $PORT
}

# call NAME CALLS [run options...]: runs basic_call over TLS to PORT; sets CODE.
call() {
  local name=$1 calls=$2
  shift 2
  set +e
  timeout 60 "$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --transport tls --calls "$calls" --rate 100 --shards 2 \
    --out "$WORK/$name.json" "$@" >"$WORK/$name.log" 2>&1
  CODE=$?
  set -e
}

expect_ok() {  # expect_ok NAME CALLS
  [ $CODE = 0 ] || { cat "$WORK/$1.log"; fail "$1: exit code $CODE"; }
  [ "$(json "$WORK/$1.json" 'r["calls"]["succeeded"]')" = "$2" ] || { cat "$WORK/$1.log"; fail "$1: not all calls succeeded"; }
  echo "PASS $1: $2/$2 ($(json "$WORK/$1.json" 'r["connections"].get("tls", "")'))"
}

expect_refused() {  # expect_refused NAME CALLS DETAIL
  [ $CODE = 1 ] || { cat "$WORK/$1.log"; fail "$1: exit code $CODE, expected 1"; }
  [ "$(json "$WORK/$1.json" 'r["calls"]["failed_by_reason"]["transport_error"]')" = "$2" ] \
    || { cat "$WORK/$1.log"; fail "$1: not every call failed with transport_error"; }
  json "$WORK/$1.json" 'r["calls"]["failed_by_detail"]' | grep -q "$3" || { cat "$WORK/$1.log"; fail "$1: no failure says '$3'"; }
  echo "PASS $1: $2 calls refused ($3), exit 1"
}

serve_tls server
call per_call 300 --target "sips:127.0.0.1:$PORT" --tls-ca "$C/ca.pem" --connections per-call \
  --gate 'failed(transport_error) == 0'
expect_ok per_call 300
[ "$(json "$WORK/per_call.json" 'r["connections"]["opened"]')" = 300 ] || fail "per_call: not one connection per call"
[ "$(json "$WORK/per_call.json" 'r["latency_ms"]["handshake"]["count"]')" = 300 ] || fail "per_call: handshakes not timed"
call shared 300 --target "sips:localhost:$PORT" --tls-ca "$C/ca.pem" --tls-keylog "$WORK/keys.log"
expect_ok shared 300
grep -q "^CLIENT_HANDSHAKE_TRAFFIC_SECRET " "$WORK/keys.log" || fail "--tls-keylog wrote no NSS key-log lines"
call tls12 50 --target "sips:localhost:$PORT" --tls-ca "$C/ca.pem" --tls-version 1.2
expect_ok tls12 50
grep -q "TLSv1.2" "$WORK/tls12.json" || fail "--tls-version 1.2 did not give TLS 1.2"
call resume 50 --target "sips:localhost:$PORT" --tls-ca "$C/ca.pem" --connections per-call --tls-resume
expect_ok resume 50
[ "$(json "$WORK/resume.json" 'r["connections"]["tls_resumed"]')" -gt 40 ] || fail "--tls-resume: sessions were not resumed"

# Refusals, each by its own server.
call unknown_ca 5 --target "127.0.0.1:$PORT" --tls-ca "$C/rogue-ca.pem"
expect_refused unknown_ca 5 "certificate verify failed"
kill "$SERVE"; wait "$SERVE" 2>/dev/null || true

serve_tls other
call ip_mismatch 5 --target "127.0.0.1:$PORT" --tls-ca "$C/ca.pem" --connections per-call
expect_refused ip_mismatch 5 "IP address mismatch"
call name_mismatch 5 --target "sips:localhost:$PORT" --tls-ca "$C/ca.pem"
expect_refused name_mismatch 5 "hostname mismatch"
call insecure 20 --target "127.0.0.1:$PORT" --tls-insecure
expect_ok insecure 20
grep -q "WARNING: --tls-insecure" "$WORK/insecure.log" || fail "--tls-insecure: no warning in the summary"
[ "$(json "$WORK/insecure.json" 'r["tls_insecure"]')" = True ] || fail "--tls-insecure: not in the result file"
kill "$SERVE"; wait "$SERVE" 2>/dev/null || true

serve_tls expired
call expired 5 --target "127.0.0.1:$PORT" --tls-ca "$C/ca.pem" --connections per-call
expect_refused expired 5 "certificate has expired"
kill "$SERVE"; wait "$SERVE" 2>/dev/null || true

# Mutual TLS: serve with --tls-ca requires a client certificate.
serve_tls server --tls-ca "$C/ca.pem"
call no_client_cert 5 --target "127.0.0.1:$PORT" --tls-ca "$C/ca.pem" --connections per-call
expect_refused no_client_cert 5 "certificate required"
call client_cert 50 --target "127.0.0.1:$PORT" --tls-ca "$C/ca.pem" --tls-cert "$C/client.pem" --tls-key "$C/client.key"
expect_ok client_cert 50
kill "$SERVE"; wait "$SERVE" 2>/dev/null || true
