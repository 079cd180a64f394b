#!/usr/bin/env bash
# The DPDK engine against the Linux stack: a veth pair, one end in a network namespace this test creates
# (kernel addresses 10.77.0.1 / fd77::1 and a UDP echo server), the other end driven by dpdk_probe over
# net_af_packet (our addresses 10.77.0.2 / fd77::2). Checks ARP and neighbour discovery both ways, UDP
# both ways over IPv4 and IPv6 with the kernel verifying our checksums, fragmentation in both directions
# (3000 and 8000 byte datagrams), and ping answered by our stack. Nothing leaves the namespace pair.
# Needs root (netns, veth); exits 77 (skipped) without it; fails naming the package when iproute2 or
# ethtool is missing. Knobs for debugging: SIZES=3000,8000 LINGER=0
# PROBE_ONLY=1 (stop after the exchanges, print the namespace's fragment counters), AFP_OPTS=,framesz=...
# (af_packet frames must hold a whole IPv4 datagram: its fanout defragments IPv4 before we see it).
set -euo pipefail
PROBE=${DPDK_PROBE:?set DPDK_PROBE to the dpdk_probe binary}
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root for a network namespace" >&2
  exit 77
fi
# shellcheck source=tests/need.sh
source "$(dirname "$0")/../need.sh"
need ip iproute2
need ethtool ethtool
TAG=sst$$
NS=${TAG}ns
HOST_IF=${TAG}a
NS_IF=${TAG}b
WORK=$(mktemp -d)
ECHO_PID=
PROBE_PID=
cleanup() {
  [ -n "$PROBE_PID" ] && kill "$PROBE_PID" 2>/dev/null || true
  [ -n "$ECHO_PID" ] && kill "$ECHO_PID" 2>/dev/null || true
  ip link del "$HOST_IF" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; if [ -f "$WORK/probe.log" ]; then cat "$WORK/probe.log" >&2; fi; exit 1; }
# shellcheck source=tests/integration/veth_lib.sh
source "$(dirname "$0")/veth_lib.sh"

ip netns add "$NS"
ip link add "$HOST_IF" type veth peer name "$NS_IF"
ip link set "$NS_IF" netns "$NS"
ip link set "$HOST_IF" up
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip addr add 10.77.0.1/24 dev "$NS_IF"
ip netns exec "$NS" ip -6 addr add fd77::1/64 dev "$NS_IF" nodad
ip netns exec "$NS" ip link set "$NS_IF" up
# The kernel must put real checksums on the wire (af_packet sees veth frames before any offload), and
# must not hand af_packet GSO super-packets larger than its frames: segment in the kernel.
veth_offloads_off "$NS" "$NS_IF" "$HOST_IF"

cat > "$WORK/echo.py" <<'PY'
import select, socket
socks = []
for fam, addr in ((socket.AF_INET, "10.77.0.1"), (socket.AF_INET6, "fd77::1")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, 5060))
    socks.append(s)
print("echo ready", flush=True)
while True:
    for s in select.select(socks, [], [])[0]:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)
PY
ip netns exec "$NS" python3 "$WORK/echo.py" > "$WORK/echo.log" 2>&1 &
ECHO_PID=$!
for _ in $(seq 50); do grep -q "echo ready" "$WORK/echo.log" 2>/dev/null && break; sleep 0.1; done
grep -q "echo ready" "$WORK/echo.log" || fail "echo server did not start: $(cat "$WORK/echo.log")"

EAL="-l 0 --no-huge --no-pci -m 512 --no-shconf --no-telemetry --file-prefix ${TAG} --log-level=*:warning --vdev=net_af_packet0,iface=${HOST_IF}${AFP_OPTS:-,blocksz=16384,framesz=16384,framecnt=256}"
"$PROBE" --eal "$EAL" --local 10.77.0.2,fd77::2 --peer 10.77.0.1:5060 --peer "[fd77::1]:5060" \
  --sizes ${SIZES:-100,1400,3000,8000} --linger ${LINGER:-4} --rx-room 16512 > "$WORK/probe.log" 2>&1 &
PROBE_PID=$!
for _ in $(seq 200); do grep -q READY "$WORK/probe.log" 2>/dev/null && break; kill -0 "$PROBE_PID" 2>/dev/null || break; sleep 0.1; done
grep -q READY "$WORK/probe.log" || fail "probe did not get through its exchanges"
[ -n "${PROBE_ONLY:-}" ] && { wait "$PROBE_PID" || true; PROBE_PID=; cat "$WORK/probe.log"; ip netns exec "$NS" nstat -az 2>/dev/null | grep -iE "Reasm|Frag|UdpInErr|InCsum|IpInHdr|InAddrErr" | grep -v " 0 "; exit 0; }
# Our stack answers the kernel's ARP / NS and pings (the kernel may already know us from our requests).
ip netns exec "$NS" ip neigh flush dev "$NS_IF" >/dev/null 2>&1 || true
cat > "$WORK/ping.py" <<'PY'
# ping without the ping binary: ICMP / ICMPv6 echo over raw sockets, 2 tries, 1 s each.
import os, socket, struct, sys
dst = sys.argv[1]
v6 = ":" in dst
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
fam, proto, req, rep = (socket.AF_INET6, socket.IPPROTO_ICMPV6, 128, 129) if v6 else (socket.AF_INET, socket.IPPROTO_ICMP, 8, 0)
s = socket.socket(fam, socket.SOCK_RAW, proto)
s.settimeout(1.0)
ident = os.getpid() & 0xffff
for seq in (1, 2):
    body = b"sipstorm-dpdk-ping"
    hdr = struct.pack("!BBHHH", req, 0, 0, ident, seq)
    if not v6:  # the kernel fills the ICMPv6 checksum itself
        hdr = struct.pack("!BBHHH", req, 0, csum(hdr + body), ident, seq)
    s.sendto(hdr + body, (dst, 0))
    try:
        while True:
            data = s.recv(2048)
            icmp = data if v6 else data[(data[0] & 0xf) * 4:]
            t, _, _, i, q = struct.unpack("!BBHHH", icmp[:8])
            if t == rep and i == ident and q == seq and icmp[8:] == body:
                print("reply from", dst, "seq", seq); break
    except socket.timeout:
        print("no reply from", dst, "seq", seq); sys.exit(1)
PY
ip netns exec "$NS" python3 "$WORK/ping.py" 10.77.0.2 > "$WORK/ping4.log" 2>&1 || fail "ping 10.77.0.2: $(cat "$WORK/ping4.log")"
ip netns exec "$NS" python3 "$WORK/ping.py" fd77::2 > "$WORK/ping6.log" 2>&1 || fail "ping fd77::2: $(cat "$WORK/ping6.log")"
cat "$WORK/ping4.log" "$WORK/ping6.log"
rc=0
wait "$PROBE_PID" || rc=$?
PROBE_PID=
cat "$WORK/probe.log"
[ "$rc" = 0 ] || fail "probe exit code $rc"
grep -q FAIL "$WORK/probe.log" && fail "an echo did not come back"
grep -q "echo_req_rx 4 echo_rep_tx 4" "$WORK/probe.log" || fail "our stack did not answer the 4 pings"
grep -qE "arp_rep_tx [1-9]" "$WORK/probe.log" || fail "our stack did not answer the kernel's ARP request"
grep -qE "na_tx [1-9]" "$WORK/probe.log" || fail "our stack did not answer the kernel's neighbour solicitation"
ip netns exec "$NS" ip neigh show dev "$NS_IF"
echo "PASS: dpdk_veth"
