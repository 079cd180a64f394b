#!/usr/bin/env bash
# --metrics: a bad address and a port already taken are usage errors before the run; PORT alone is
# loopback; GET /metrics answers while the run goes on.
source "$(dirname "$0")/lib.sh"
SCEN=$SRC/scenarios/basic_call.lua

run run "$SCEN" --metrics nope --calls 1
expect_status 2
expect_err "--metrics expects HOST:PORT or PORT"
run run "$SCEN" --metrics 127.0.0.1:0 --calls 1
expect_status 2
python3 -c 'import socket, time, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1])); time.sleep(5)' "$TMP/port" &
holder=$!
for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
run run "$SCEN" --metrics "$(cat "$TMP/port")" --calls 1
expect_status 2
expect_err "cannot listen on 127.0.0.1:$(cat "$TMP/port")"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

"$SIPSTORM" run "$SCEN" --rate 50 --duration 8s -q --metrics 29177 >"$TMP/out" 2>"$TMP/err" &
pid=$!
sleep 1.5
body=$(python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:29177/metrics", timeout=3).read().decode())')
code=$(python3 -c 'import urllib.request, urllib.error
try:
    urllib.request.urlopen("http://127.0.0.1:29177/nothing", timeout=3)
except urllib.error.HTTPError as e:
    print(e.code)')
wait "$pid"
status=$?
expect_status 0
expect_out "^metrics at http://127.0.0.1:29177/metrics$"
grep -q '^sipstorm_calls_attempted_total [0-9]' <<<"$body" || fail "no call count in /metrics"
[ "$code" = 404 ] || fail "GET /nothing: $code, expected 404"
finish
