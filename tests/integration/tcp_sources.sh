#!/usr/bin/env bash
# --local-ip FIRST-LAST over TCP: connections take their source addresses from the range in turn
# (serve's trace shows INVITEs from each of them), and the calls succeed.
source "$(dirname "$0")/lib.sh"
need tshark tshark
PORT=25551
"$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 127.0.0.1:$PORT --transport tcp --shards 1 --calls 30 \
  --duration 30 -q --pcap "$WORK/serve.pcap" > "$WORK/serve.log" 2>&1 &
SERVE=$!
PIDS+=("$SERVE")
for _ in $(seq 50); do ss -H -tln "sport = :$PORT" | grep -q . && break; sleep 0.1; done
"$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target 127.0.0.1:$PORT --transport tcp --connections per-call \
  --local-ip 127.0.0.1-127.0.0.3 --calls 30 --rate 50 --shards 1 -q --out "$WORK/r.json" > "$WORK/run.log" 2>&1 ||
  { cat "$WORK/run.log"; fail "run: exit code $?"; }
wait "$SERVE" || true
[ "$(json "$WORK/r.json" 'r["calls"]["succeeded"]')" = 30 ] || fail "not all calls succeeded"
sources=$(tshark_sip -r "$WORK/serve.pcap" -Y 'sip.Method == "INVITE"' -T fields -e ip.src 2>/dev/null | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')
[ "$sources" = "127.0.0.1=10 127.0.0.2=10 127.0.0.3=10 " ] || fail "INVITEs by source address: $sources"
echo "PASS --local-ip range: $sources"
