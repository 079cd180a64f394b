#!/usr/bin/env bash
# Basic calls over the DPDK engine: a veth pair, one end in a network namespace this test creates, with
# `sipstorm serve` (kernel sockets) on 10.78.0.1 inside it; `sipstorm run --engine dpdk` drives the
# other end through net_af_packet as 10.78.0.2:
#   1. with the veth's TX checksum offload still on (its default): every reply is dropped for its
#      unfinished UDP checksum, and the summary and the result file name the cause and the fix;
#   2. then offload off, without --shards on a port of one queue pair (no qpairs=): the shard count
#      follows the port, the calls succeed; --shards 2 on it is an error that says what the port has;
#   3. with one shard, then with two (qpairs=2);
#   4. the other way round: `sipstorm serve --engine dpdk --shards 2` on our end (qpairs=2) answers
#      `sipstorm run` (kernel sockets) from inside the namespace.
# Nothing leaves the namespace pair. Needs root (netns, veth); exits 77 (skipped) without it; fails
# naming the package when iproute2 or ethtool is missing.
set -euo pipefail
SIPSTORM=${SIPSTORM:?set SIPSTORM to the built binary}
ROOT=${ROOT:?set ROOT to the source tree}
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root for a network namespace" >&2
  exit 77
fi
# shellcheck source=tests/need.sh
source "$(dirname "$0")/../need.sh"
need ip iproute2
need ethtool ethtool
TAG=ssc$$
NS=${TAG}ns
HOST_IF=${TAG}a
NS_IF=${TAG}b
WORK=$(mktemp -d)
SERVE_PID=
DPDK_SERVE_PID=
cleanup() {
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
  [ -n "$DPDK_SERVE_PID" ] && kill "$DPDK_SERVE_PID" 2>/dev/null && wait "$DPDK_SERVE_PID" 2>/dev/null || true
  ip link del "$HOST_IF" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -5 "$WORK"/*.log >&2 2>/dev/null || true; exit 1; }
json() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }
# shellcheck source=tests/integration/veth_lib.sh
source "$(dirname "$0")/veth_lib.sh"
# eal PREFIX LCORES [VDEV_OPTS]: EAL arguments for net_af_packet on our end of the pair, no hugepages.
eal() {
  echo "-l $2 --no-huge --no-pci -m 1024 --no-shconf --no-telemetry --file-prefix $TAG$1 --log-level=*:warning \
--vdev=net_af_packet0,iface=${HOST_IF}${3:-},blocksz=16384,framesz=16384,framecnt=256"
}
# dpdk_run NAME ARGS...: sipstorm run over DPDK against serve; output in $WORK/NAME.log, exit code in rc.
dpdk_run() {
  local name=$1
  shift
  rc=0
  timeout 60 "$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target 10.78.0.1:5060 --engine dpdk \
    --dpdk-ip 10.78.0.2 "$@" > "$WORK/$name.log" 2>&1 || rc=$?
}

ip netns add "$NS"
ip link add "$HOST_IF" type veth peer name "$NS_IF"
ip link set "$NS_IF" netns "$NS"
ip link set "$HOST_IF" up
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip addr add 10.78.0.1/24 dev "$NS_IF"
ip netns exec "$NS" ip link set "$NS_IF" up
ip netns exec "$NS" "$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 10.78.0.1:5060 --shards 1 -q \
  > "$WORK/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 50); do
  ip netns exec "$NS" ss -H -uln "sport = :5060" | grep -q . && break
  sleep 0.1
done

# 1. Offload on: the calls fail (exit 1); the hint names TX checksum offload and ethtool.
dpdk_run offload_on --dpdk-args "$(eal h 0)" --shards 1 --calls 20 --rate 50 --t1 50 -q --out "$WORK/h.json"
[ "$rc" = 1 ] || fail "offload on: exit $rc, expected 1 (every reply dropped)"
grep -qE "^hint: [0-9]+ of [0-9]+ UDP datagrams received \([0-9]+%\) failed the UDP checksum: the sending side most \
likely has TX checksum offload on .*: ethtool -K IFACE tx off \(IFACE: the other end of $HOST_IF" "$WORK/offload_on.log" ||
  fail "offload on: no checksum hint in the summary"
python3 - "$WORK/h.json" <<'EOF' || fail "offload on: the result file has no udp_checksum_offload warning"
import json, sys
d = json.load(open(sys.argv[1]))["dpdk"]
w = [x for x in d["warnings"] if x["reason"] == "udp_checksum_offload"]
assert w and "ethtool -K IFACE tx off" in w[0]["message"], d["warnings"]
assert d["drops"]["bad_udp_checksum"] >= 10 and d["drops"]["bad_udp_checksum"] > d["rx_udp"], d
EOF
echo "PASS offload on: $(grep "^hint:" "$WORK/offload_on.log")"

veth_offloads_off "$NS" "$NS_IF" "$HOST_IF"

# 2. One queue pair (no qpairs=), no --shards: as many shards as the port has queue pairs; no hint.
dpdk_run default_shards --dpdk-args "$(eal d 0-1)" --calls 100 --rate 100 --out "$WORK/d.json"
[ "$rc" = 0 ] || fail "default shards on a one-queue port: exit $rc"
if [ "$(getconf _NPROCESSORS_ONLN)" -gt 1 ]; then  # the default (one per core) is above the port's 1
  grep -q "| 1 shard(s): port 0 (net_af_packet) has 1 RX/TX queue pair |" "$WORK/default_shards.log" ||
    fail "default shards: the header does not say the port lowered the shard count"
fi
[ "$(json "$WORK/d.json" 'r["shards"], r["calls"]["succeeded"], r["dpdk"]["warnings"]')" = "1 100 []" ] ||
  fail "default shards: not 1 shard, 100 calls succeeded and no warning"
echo "PASS default shards on a one-queue port: 1 shard, 100/100 calls"
dpdk_run too_many_shards --dpdk-args "$(eal x 0-1)" --shards 2 --calls 1 -q
[ "$rc" = 2 ] || fail "--shards 2 on a one-queue port: exit $rc, expected 2"
grep -q "port 0 (net_af_packet) has 1 RX/TX queue pair and --shards 2 needs one per shard: pass --shards 1 \
(or leave --shards out: the default follows the port), or give the port 2 with qpairs=2 in its --vdev" \
  "$WORK/too_many_shards.log" || fail "--shards 2 on a one-queue port: not the expected error"
echo "PASS --shards 2 on a one-queue port: $(cat "$WORK/too_many_shards.log")"

# 3. One shard, then two on two queue pairs.
for shards in 1 2; do
  dpdk_run "run$shards" --dpdk-args "$(eal "$shards" "0-$((shards - 1))" ",qpairs=$shards")" --shards $shards \
    --calls 200 --rate 100 -q --out "$WORK/r$shards.json"
  [ "$rc" = 0 ] || fail "run with $shards shard(s): exit $rc"
  [ "$(json "$WORK/r$shards.json" 'r["calls"]["succeeded"]')" = 200 ] || fail "$shards shard(s): not all calls succeeded"
  echo "PASS dpdk engine, $shards shard(s): 200/200 calls"
done

# 4. serve over DPDK with two shards (two queue pairs), called from the namespace over kernel sockets.
timeout 90 "$SIPSTORM" serve "$ROOT/scenarios/answer.lua" --listen 10.78.0.2:5060 --engine dpdk --dpdk-ip 10.78.0.2 \
  --shards 2 --dpdk-args "$(eal s 0-1 ",qpairs=2")" -q --out "$WORK/serve_dpdk.json" >"$WORK/serve_dpdk.log" 2>&1 &
DPDK_SERVE_PID=$!
sleep 3  # EAL and the port; nothing to poll for a DPDK socket from outside
rc=0
ip netns exec "$NS" timeout 60 "$SIPSTORM" run "$ROOT/scenarios/basic_call.lua" --target 10.78.0.2:5060 \
  --calls 300 --rate 150 --shards 2 -q --out "$WORK/to_dpdk.json" >"$WORK/to_dpdk.log" 2>&1 || rc=$?
kill -INT "$DPDK_SERVE_PID"
wait "$DPDK_SERVE_PID" || fail "serve --engine dpdk --shards 2: exit code $?"
DPDK_SERVE_PID=
[ "$rc" = 0 ] || fail "run against serve --engine dpdk: exit $rc"
[ "$(json "$WORK/to_dpdk.json" 'r["calls"]["succeeded"]')" = 300 ] || fail "serve over DPDK: not all calls succeeded"
[ "$(json "$WORK/serve_dpdk.json" 'r["shards"], r["calls"]["succeeded"]')" = "2 300" ] ||
  fail "serve over DPDK: not 2 shards answering 300 calls"
echo "PASS serve --engine dpdk, 2 shards: 300/300 calls answered"
