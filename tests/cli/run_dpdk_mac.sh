# --dpdk-mac (alias --local-mac): malformed, multicast and all-zero MACs are usage errors (exit 2, one
# clear line naming the option and the value) before EAL starts; the option needs --engine dpdk. Then,
# when DPDK is built in, a valid MAC on a looped-back net_ring port (no NIC, no hugepages, no traffic
# outside the process): the run starts, and the result file carries the stack's counters ("dpdk").
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
SCEN=$SRC/scenarios/basic_call.lua
DPDK=(--engine dpdk --dpdk-ip 10.77.0.2 --target 10.77.0.1:5060 --calls 1 -q)

for bad in 02:00:00:zz:00:01 02:00:00:00:01 02-00:00:00:00:01 0200.0000.0001 "02:00:00:00:00:01:"; do
    run run "$SCEN" "${DPDK[@]}" --dpdk-mac "$bad"
    expect_status 2
    expect_err "dpdk-mac: '$(re "$bad")' is not a MAC address"
done

run run "$SCEN" "${DPDK[@]}" --local-mac 02:00:00:zz:00:01
expect_status 2
expect_err "is not a MAC address"

run run "$SCEN" "${DPDK[@]}" --dpdk-mac 01:00:5e:00:00:01
expect_status 2
expect_err "multicast"

run run "$SCEN" "${DPDK[@]}" --dpdk-mac 00:00:00:00:00:00
expect_status 2
expect_err "all zeros"

run run "$SCEN" --target 127.0.0.1:5060 --dpdk-mac 02:00:00:00:00:01 --calls 1 -q
expect_status 2
expect_err "need --engine dpdk"

run run --help
expect_out "--dpdk-mac"
expect_out "--local-mac"

# A valid MAC on one net_ring port whose TX ring is its own RX ring: nobody answers our ARP for the
# target, so the call fails (exit 1) once ARP gives up, but the run must have started with that MAC.
EAL="--no-huge --no-pci -m 256 --no-shconf --no-telemetry --log-level=*:error --file-prefix sscli$$ --vdev=net_ring0"
run run "$SCEN" "${DPDK[@]}" --dpdk-args "$EAL" --local-mac 02:00:00:00:77:02 --out "$TMP/r.json" --drain 3s
if grep -q "without DPDK" "$TMP/err"; then
    echo "note: this sipstorm has no DPDK engine; the net_ring run was not tried"
else
    expect_status 1
    python3 - "$TMP/r.json" <<'EOF' || fail "result file: no dpdk counters, or no ARP request sent"
import json, sys
r = json.load(open(sys.argv[1]))
d = r["dpdk"]
assert d["arp_requests_tx"] >= 1, d
assert "not_our_ip" in d["drops"] and d["drops_total"] == sum(d["drops"].values()), d
EOF
fi
finish
