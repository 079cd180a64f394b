# Helpers for the tests that drive a veth pair into a network namespace (sourced; uses `fail`).

# veth_offloads_off NS NS_IF HOST_IF: the kernel puts real checksums on what it sends into the pair and
# segments in software. af_packet (and so DPDK's net_af_packet) sees veth frames before any offload
# would complete them: with TX checksum offload on, every small UDP datagram arrives with its checksum
# unfinished and our stack drops it (bad_udp_checksum); GSO super-packets would not fit its frames.
veth_offloads_off() {
  ip netns exec "$1" ethtool -K "$2" tx off sg off tso off gso off >/dev/null
  ethtool -K "$3" tx off rx off gro off >/dev/null
  ip netns exec "$1" ethtool -k "$2" | grep -q '^tx-checksumming: off' ||
    fail "ethtool -K $2 tx off did not turn TX checksum offload off"
}
