# --transport and its options: usage errors (exit 2, one clear line) before anything runs.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
SCEN=$SRC/scenarios/basic_call.lua
UAS=$SRC/scenarios/answer.lua

run run "$SCEN" --transport sctp --calls 1 -q
expect_status 2
expect_err "transport must be udp, tcp or tls"

run run "$SCEN" --engine dpdk --dpdk-ip 10.77.0.2 --target 10.77.0.1:5060 --transport tcp --calls 1 -q
expect_status 2
expect_err "engine dpdk carries UDP only"

run run "$SCEN" --target "sip:127.0.0.1:5999;transport=tcp" --transport udp --calls 1 -q
expect_status 2
expect_err "contradicts the target"

run run "$SCEN" --target "sips:127.0.0.1:5999;transport=udp" --calls 1 -q
expect_status 2
expect_err "sips: URI needs TLS"

run run "$SCEN" --target no.such.host.invalid --transport tcp --calls 1 -q
expect_status 2
expect_err "cannot resolve 'no.such.host.invalid'"

run run "$SCEN" --transport tcp --connections some --calls 1 -q
expect_status 2
expect_err "connections must be shared, per-call or a number"

run run "$SCEN" --tls-insecure --target 127.0.0.1:5999 --calls 1 -q
expect_status 2
expect_err "tls-\* options need --transport tls"

run run "$SCEN" --transport tls --calls 1 -q
expect_status 2
expect_err "transport tls needs --target"

run run "$SCEN" --target sips:127.0.0.1:5999 --tls-version 1.1 --calls 1 -q
expect_status 2
expect_err "tls-version must be 1.2 or 1.3"

run serve "$UAS" --transport tls --calls 1 -q
expect_status 2
expect_err "needs --tls-cert and --tls-key"

run run "$SCEN" --local-ip 127.0.0.1-127.0.0.3 --calls 1 -q
expect_status 2
expect_err "a range needs --transport tcp or tls"

# More descriptors than the hard limit allows: said before the run, with the number.
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ]; then
    run run "$SCEN" --target 127.0.0.1:5999 --transport tcp --connections per-call --concurrent $((hard * 2)) -q
    expect_status 2
    expect_err "needs about [0-9]+ file descriptors, but the limit is $hard"
    run serve "$UAS" --transport tcp --max-connections $((hard * 2)) --shards 1 -q
    expect_status 2
    expect_err "max-connections needs about [0-9]+ file descriptors"
fi
finish
