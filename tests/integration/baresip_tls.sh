#!/usr/bin/env bash
# SIP over TLS with baresip (libre's TLS, another stack) both ways, certificates made here by openssl:
# sipstorm run -> baresip auto-answering (shared and per-call connections), and baresip dialling ->
# sipstorm serve --transport tls. Every call succeeds.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tls_certs.sh"
command -v baresip >/dev/null || fail "baresip is missing (Debian package baresip-core)"
C="$WORK/certs"
make_certs "$C"
MODS=$(dirname "$(find /usr/lib -path '*baresip/modules/g711.so' 2>/dev/null | head -1)")
[ -n "$MODS" ] && [ -e "$MODS/aufile.so" ] || fail "baresip modules g711/aufile are missing (Debian package baresip-core)"
# A tone for the audio source (the call needs one to be answered).
python3 -c "
import math, struct, wave, sys
w = wave.open(sys.argv[1], 'wb'); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b''.join(struct.pack('<h', int(8000 * math.sin(2 * math.pi * 440 * i / 8000))) for i in range(40000)))
" "$WORK/tone.wav"

baresip_dir() {  # DIR PORT ACCOUNT
  mkdir -p "$1"
  cat "$C/server.pem" "$C/server.key" >"$1/cert.pem"
  cat >"$1/config" <<CFG
poll_method epoll
sip_listen 127.0.0.1:$2
sip_certificate $1/cert.pem
sip_cafile $C/ca.pem
sip_trans_def tls
module_path $MODS
module g711.so
module aufile.so
module menu.so
module account.so
audio_source aufile,$WORK/tone.wav
audio_player aufile,/dev/null
audio_alert aufile,/dev/null
rtp_ports 30000-30200
CFG
  echo "$3" >"$1/accounts"
}

# baresip answers: it listens for TLS on the port after sip_listen's.
baresip_dir "$WORK/uas" 25540 "<sip:uas@127.0.0.1;transport=tls>;regint=0;answermode=auto"
baresip -f "$WORK/uas" >"$WORK/uas.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do ss -H -tln "sport = :25541" | grep -q . && break; sleep 0.1; done
for conns in shared per-call; do
  "$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target "sips:127.0.0.1:25541" --tls-ca "$C/ca.pem" --set service=uas \
    --connections $conns --calls 20 --rate 10 --concurrent 3 --shards 1 -q --out "$WORK/$conns.json" >"$WORK/$conns.log" 2>&1 ||
    { cat "$WORK/$conns.log"; tail -20 "$WORK/uas.log"; fail "sipstorm -> baresip over TLS ($conns): exit $?"; }
  [ "$(json "$WORK/$conns.json" 'r["calls"]["succeeded"]')" = 20 ] || fail "sipstorm -> baresip ($conns): not all calls succeeded"
  echo "PASS sipstorm --transport tls ($conns) -> baresip: 20/20, $(json "$WORK/$conns.json" 'r["connections"]["tls"]')"
done

# baresip dials sipstorm serve, hangs up when it quits.
"$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --transport tls --listen 127.0.0.1:25545 --tls-cert "$C/server.pem" \
  --tls-key "$C/server.key" --calls 1 --duration 20 --shards 1 -q --out "$WORK/serve.json" >"$WORK/serve.log" 2>&1 &
SERVE=$!
PIDS+=("$SERVE")
for _ in $(seq 50); do ss -H -tln "sport = :25545" | grep -q . && break; sleep 0.1; done
baresip_dir "$WORK/uac" 25546 "<sip:caller@127.0.0.1;transport=tls>;regint=0"
timeout 20 baresip -f "$WORK/uac" -e "/dial sip:service@127.0.0.1:25545;transport=tls" -t 3 >"$WORK/uac.log" 2>&1 || true
wait "$SERVE" || { cat "$WORK/serve.log"; tail -20 "$WORK/uac.log"; fail "serve: exit code $?"; }
[ "$(json "$WORK/serve.json" 'r["calls"]["succeeded"]')" = 1 ] || { tail -20 "$WORK/uac.log"; fail "baresip -> serve over TLS: no call completed"; }
grep -q "Call established" "$WORK/uac.log" || fail "baresip did not establish the call"
echo "PASS baresip -> sipstorm serve --transport tls: call established and ended"
