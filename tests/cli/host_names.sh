# --target and --listen take host names (resolved with getaddrinfo: the hosts file here) as well as
# numeric addresses; a name that does not resolve, a bad port or a bad --prefer is one line, exit 2.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
PORT=25390

"$SIPSTORM" serve "$SRC/scenarios/answer.lua" --listen localhost:$PORT --shards 1 --calls 20 --duration 20 -q \
    >"$TMP/serve.out" 2>&1 &
serve_pid=$!
for _ in $(seq 50); do
    ss -Hlun "sport = :$PORT" | grep -q . && break
    sleep 0.1
done
run run "$SRC/scenarios/basic_call.lua" --target localhost:$PORT --rate 20 --calls 20 --shards 1
expect_status 0
expect_out "calls: 20 attempted, 20 succeeded, 0 failed"
expect_out "-> localhost:$PORT \(127\.0\.0\.1:$PORT\)"
wait "$serve_pid" || fail "serve --listen localhost:$PORT exited $?"

run run "$SRC/scenarios/basic_call.lua" --target nosuch.invalid:5060 --calls 1
expect_status 2
expect_err "^sipstorm run: --target: cannot resolve 'nosuch\.invalid': "

run run "$SRC/scenarios/basic_call.lua" --target localhost:70000 --calls 1
expect_status 2
expect_err "--target: bad port '70000'"

run serve "$SRC/scenarios/answer.lua" --listen nosuch.invalid
expect_status 2
expect_err "--listen: cannot resolve 'nosuch\.invalid'"

run run "$SRC/scenarios/basic_call.lua" --target localhost --prefer ipv5 --calls 1
expect_status 2
expect_err "--prefer must be ipv4 or ipv6"
finish
