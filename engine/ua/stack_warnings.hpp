// What the DPDK stack's counters say about the network, in words: a likely cause and its fix for the
// summary and the result file (the `dpdk.warnings` array), when the counters show a known pattern.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sipstorm::ua {

// One counter of an endpoint's DPDK stack, or of its port, summed over the endpoint's shards.
struct StackCount {
    const char* name;  // the result file's key: "rx_packets", "mbuf_alloc_failed", "port_imissed" ...
    uint64_t value = 0;
    bool drop = false;  // a drop reason (named by dpdk::drop_name)
};

struct StackWarning {
    std::string reason;   // a stable key: "udp_checksum_offload"
    std::string message;  // one line: what was seen, the likely cause, the fix
};

// Most received UDP datagrams failing their checksum (at least kChecksumMinBad of them, and more than
// half of rx_udp + drops.bad_udp_checksum) is the mark of TX checksum offload on the sending side: a
// veth, or a NIC whose offload nobody completes, sends every datagram that is not fragmented with
// its checksum unfinished. Corruption on a real link is rare and random; this is systematic.
// eal_args names the interface when the port is net_af_packet (iface=...).
inline constexpr uint64_t kChecksumMinBad = 10;
std::vector<StackWarning> stack_warnings(const std::vector<StackCount>& counts, std::string_view eal_args);

}  // namespace sipstorm::ua
