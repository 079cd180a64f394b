#!/usr/bin/env bash
# sipstorm over TLS against Kamailio's tls module (a TLS stack other than ours; kamailio/kamailio_tls.cfg
# answers every request 200), with a certificate made here by openssl: 300 calls on a shared
# connection and 300 with one connection per call succeed; an untrusted CA and a missing client
# certificate (Kamailio requiring one) fail every call with that reason, exit 1.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tls_certs.sh"
command -v kamailio >/dev/null || fail "kamailio is missing (Debian package kamailio)"
[ -e /usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so ] || ls /usr/lib/*/kamailio/modules/tls.so >/dev/null 2>&1 ||
  fail "Kamailio's tls module is missing (Debian package kamailio-tls-modules)"
CFG="$(cd "$(dirname "$0")" && pwd)/kamailio/kamailio_tls.cfg"
C="$WORK/certs"
make_certs "$C"

start_kamailio_tls() {  # PORT [DEFINE...]
  local port=$1
  shift
  local defs=(-A "TLS_CERT=\"$C/server.pem\"" -A "TLS_KEY=\"$C/server.key\"")
  local d; for d in "$@"; do defs+=(-A "$d"); done
  mkdir -p "$WORK/k$port"
  kamailio -f "$CFG" -DD -E -m 64 -M 8 -Y "$WORK/k$port" -P "$WORK/k$port/pid" -w "$WORK/k$port" \
    -l "tls:127.0.0.1:$port" "${defs[@]}" >"$WORK/kamailio-$port.log" 2>&1 &
  KPID=$!
  PIDS+=("$KPID")
  for _ in $(seq 50); do ss -H -tln "sport = :$port" | grep -q . && return 0; sleep 0.1; done
  tail -20 "$WORK/kamailio-$port.log"
  fail "kamailio did not listen on tls 127.0.0.1:$port"
}

run() {  # NAME CALLS [options]: sets CODE
  local name=$1 calls=$2
  shift 2
  set +e
  timeout 60 "$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --calls "$calls" --rate 150 --shards 2 -q \
    --out "$WORK/$name.json" "$@" >"$WORK/$name.log" 2>&1
  CODE=$?
  set -e
}

start_kamailio_tls 25511
for conns in shared per-call; do
  run "$conns" 300 --target "sips:127.0.0.1:25511" --tls-ca "$C/ca.pem" --connections $conns
  [ $CODE = 0 ] && [ "$(json "$WORK/$conns.json" 'r["calls"]["succeeded"]')" = 300 ] ||
    { cat "$WORK/$conns.log"; fail "sipstorm -> kamailio over TLS ($conns): exit $CODE"; }
  echo "PASS sipstorm -> kamailio TLS ($conns): 300/300, $(json "$WORK/$conns.json" 'r["connections"]["tls"]')"
done
run rogue 5 --target "sips:127.0.0.1:25511" --tls-ca "$C/rogue-ca.pem"
[ $CODE = 1 ] && [ "$(json "$WORK/rogue.json" 'r["calls"]["failed_by_reason"]["transport_error"]')" = 5 ] &&
  json "$WORK/rogue.json" 'r["calls"]["failed_by_detail"]' | grep -q "certificate verify failed" ||
  { cat "$WORK/rogue.log"; fail "an untrusted Kamailio certificate was not refused"; }
echo "PASS kamailio's certificate from an untrusted CA: every call refused"

start_kamailio_tls 25512 "TLS_CA=\"$C/ca.pem\""
run no_cert 5 --target "sips:127.0.0.1:25512" --tls-ca "$C/ca.pem" --connections per-call
[ $CODE = 1 ] && [ "$(json "$WORK/no_cert.json" 'r["calls"]["failed_by_reason"]["transport_error"]')" = 5 ] ||
  { cat "$WORK/no_cert.log"; fail "kamailio requiring a client certificate: calls did not fail"; }
echo "PASS kamailio requires a client certificate: every call refused ($(json "$WORK/no_cert.json" 'list(r["calls"]["failed_by_detail"])[0]'))"
run with_cert 100 --target "sips:127.0.0.1:25512" --tls-ca "$C/ca.pem" --tls-cert "$C/client.pem" --tls-key "$C/client.key"
[ $CODE = 0 ] && [ "$(json "$WORK/with_cert.json" 'r["calls"]["succeeded"]')" = 100 ] ||
  { cat "$WORK/with_cert.log"; fail "mutual TLS with kamailio: exit $CODE"; }
echo "PASS mutual TLS with kamailio: 100/100"
