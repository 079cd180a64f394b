#!/usr/bin/env bash
# Basic calls over the DPDK engine: a veth pair, one end in a network namespace this test creates, with
# `sipstorm serve` (kernel sockets) on 10.78.0.1 inside it; `sipstorm run --engine dpdk` drives the
# other end through net_af_packet as 10.78.0.2, first with one shard, then with two (two queue pairs).
# Nothing leaves the namespace pair. Needs root (netns, veth); exits 77 (skipped) without it.
set -euo pipefail
SIPSTORM=${SIPSTORM:?set SIPSTORM to the built binary}
ROOT=${ROOT:?set ROOT to the source tree}
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
  echo "SKIP: needs root and iproute2 for a network namespace" >&2
  exit 77
fi
TAG=ssc$$
NS=${TAG}ns
HOST_IF=${TAG}a
NS_IF=${TAG}b
WORK=$(mktemp -d)
SERVE_PID=
cleanup() {
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
  ip link del "$HOST_IF" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -5 "$WORK"/*.log >&2 2>/dev/null || true; exit 1; }
json() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }

ip netns add "$NS"
ip link add "$HOST_IF" type veth peer name "$NS_IF"
ip link set "$NS_IF" netns "$NS"
ip link set "$HOST_IF" up
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip addr add 10.78.0.1/24 dev "$NS_IF"
ip netns exec "$NS" ip link set "$NS_IF" up
if command -v ethtool >/dev/null; then
  ip netns exec "$NS" ethtool -K "$NS_IF" tx off sg off tso off gso off >/dev/null 2>&1 || true
  ethtool -K "$HOST_IF" tx off rx off gro off >/dev/null 2>&1 || true
fi
ip netns exec "$NS" "$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 10.78.0.1:5060 --shards 1 -q \
  > "$WORK/serve.log" 2>&1 &
SERVE_PID=$!
sleep 0.5

for shards in 1 2; do
  EAL="-l 0-$((shards - 1)) --no-huge --no-pci -m 1024 --no-shconf --no-telemetry --file-prefix ${TAG}$shards \
--log-level=*:warning --vdev=net_af_packet0,iface=${HOST_IF},qpairs=$shards,blocksz=16384,framesz=16384,framecnt=256"
  timeout 60 "$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target 10.78.0.1:5060 --engine dpdk \
    --dpdk-args "$EAL" --dpdk-ip 10.78.0.2 --shards $shards --calls 200 --rate 100 -q \
    --out "$WORK/r$shards.json" > "$WORK/run$shards.log" 2>&1 || fail "run with $shards shard(s): exit $?"
  [ "$(json "$WORK/r$shards.json" 'r["calls"]["succeeded"]')" = 200 ] || fail "$shards shard(s): not all calls succeeded"
  echo "PASS dpdk engine, $shards shard(s): 200/200 calls"
done
