#!/usr/bin/env bash
# The built-in UAS of `run` on the DPDK engine: `sipstorm run basic_call.lua --engine dpdk` without
# --target starts answer.lua on a DPDK port of its own (--uas-dpdk-port, --uas-dpdk-ip), wired to the
# UAC's. Here the wire is a veth pair with both ends in a network namespace this test creates, each end
# driven by net_af_packet (EAL with --no-huge --no-pci -m 1024): the two stacks ARP for each other and
# the calls go over it. With one shard, then two (qpairs=2). Without --uas-dpdk-ip the run is a usage
# error that says what to pass. Nothing leaves the namespace. Needs root (netns, veth) for the calls;
# exits 77 (skipped) without it after the usage checks; fails naming the package when iproute2 or
# ethtool is missing.
set -euo pipefail
SIPSTORM=${SIPSTORM:?set SIPSTORM to the built binary}
ROOT=${ROOT:?set ROOT to the source tree}
WORK=$(mktemp -d)
TAG=ssu$$
NS=${TAG}ns
UAC_IF=${TAG}a
UAS_IF=${TAG}b
cleanup() {
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -5 "$WORK"/*.log >&2 2>/dev/null || true; exit 1; }
json() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }

# Usage errors first (no EAL is started for them).
rc=0
"$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --engine dpdk --dpdk-ip 10.79.0.2 --calls 1 >"$WORK/no_uas.log" 2>&1 ||
  rc=$?
[ "$rc" = 2 ] || fail "--engine dpdk without --target or --uas-dpdk-ip: exit $rc, expected 2"
grep -q "the built-in UAS needs a DPDK port of its own, wired to the UAC's (a cable, a veth pair): pass \
--uas-dpdk-ip ADDR (and --uas-dpdk-port N, default 1); or start the peer where the port reaches it \
('sipstorm serve .*answer.lua --listen ADDR:5060') and pass --target ADDR:5060" "$WORK/no_uas.log" ||
  fail "no --uas-dpdk-ip: not the expected error: $(cat "$WORK/no_uas.log")"
echo "PASS without --uas-dpdk-ip: $(cat "$WORK/no_uas.log")"
rc=0
"$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target 127.0.0.1:5060 --uas-dpdk-ip 10.79.0.1 --calls 1 \
  >"$WORK/stray.log" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "are for --engine dpdk without --target" "$WORK/stray.log" ||
  fail "--uas-dpdk-ip with --target: exit $rc, $(cat "$WORK/stray.log")"
echo "PASS --uas-dpdk-ip with --target is refused"

if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root for a network namespace" >&2
  exit 77
fi
# shellcheck source=tests/need.sh
source "$(dirname "$0")/../need.sh"
need ip iproute2
need ethtool ethtool

ip netns add "$NS"
ip netns exec "$NS" ip link add "$UAC_IF" type veth peer name "$UAS_IF"
for i in "$UAC_IF" "$UAS_IF"; do
  # No kernel address on either end, and no IPv6 chatter: the two DPDK stacks are alone on the wire.
  ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"
  # af_packet sees veth frames before a checksum offload would complete them (see veth_lib.sh).
  ip netns exec "$NS" ethtool -K "$i" tx off rx off sg off tso off gso off gro off >/dev/null
  ip netns exec "$NS" ip link set "$i" up
done
# eal PREFIX LCORES QPAIRS: net_af_packet on both ends; port 0 is the UAC's, port 1 the UAS's.
eal() {
  local vdev=",blocksz=16384,framesz=16384,framecnt=256,qpairs=$3"
  echo "-l $2 --no-huge --no-pci -m 1024 --no-shconf --no-telemetry --file-prefix $TAG$1 --log-level=*:warning \
--vdev=net_af_packet0,iface=$UAC_IF$vdev --vdev=net_af_packet1,iface=$UAS_IF$vdev"
}
for shards in 1 2; do
  rc=0
  ip netns exec "$NS" timeout 90 "$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --engine dpdk \
    --dpdk-args "$(eal "$shards" "0-$((shards - 1))" "$shards")" --dpdk-ip 10.79.0.2 --uas-dpdk-ip 10.79.0.1 \
    --shards "$shards" --calls 200 --rate 100 -q --out "$WORK/r$shards.json" >"$WORK/run$shards.log" 2>&1 || rc=$?
  [ "$rc" = 0 ] || { cat "$WORK/run$shards.log"; fail "built-in UAS over DPDK, $shards shard(s): exit $rc"; }
  [ "$(json "$WORK/r$shards.json" 'r["shards"], r["calls"]["succeeded"], r["calls"]["failed"]')" = "$shards 200 0" ] ||
    fail "built-in UAS over DPDK, $shards shard(s): not 200 calls succeeded on $shards shard(s)"
  # The UAC's stack carried the calls: its packets out at least its INVITE, ACK and BYE per call.
  python3 - "$WORK/r$shards.json" <<'PY' || fail "the UAC's DPDK stack did not carry the calls"
import json, sys
d = json.load(open(sys.argv[1]))["dpdk"]
assert d["tx_packets"] >= 600 and d["rx_packets"] >= 600, d
PY
  echo "PASS built-in UAS over DPDK, $shards shard(s): 200/200 calls, $(json "$WORK/r$shards.json" 'r["dpdk"]["tx_packets"]') packets out of the UAC's port"
done
