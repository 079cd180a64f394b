// Configuration and counters of the DPDK stack (one per shard / RX-TX queue pair).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dpdk/eal.hpp"

namespace sipstorm::dpdk {

using Ip6 = std::array<uint8_t, 16>;

struct Ipv4Range {
    uint32_t lo = 0, hi = 0;  // host byte order, inclusive
};

struct StackConfig {
    Mac mac;                      // our MAC (the port's unless set otherwise)
    std::vector<Ipv4Range> ipv4;  // local IPv4 addresses; ARP is answered for all of them
    uint8_t ipv4_prefix = 24;     // on-link network = first address / prefix
    uint32_t ipv4_gateway = 0;    // host order; 0 = only on-link destinations are reachable
    std::vector<Ip6> ipv6;        // local IPv6 addresses; NS is answered for all of them
    uint8_t ipv6_prefix = 64;
    Ip6 ipv6_gateway{};        // all zero = none
    uint16_t udp_port = 5060;  // UDP datagrams to other ports are dropped (0 = deliver all)
    uint16_t mtu = 1500;       // IP MTU; larger datagrams are fragmented

    // Neighbour (ARP / ND) cache.
    uint32_t neigh_reachable_ms = 300000;  // an entry is re-resolved after this
    uint32_t neigh_retry_ms = 200;         // between requests while unresolved
    uint32_t neigh_max_retries = 5;        // then the entry fails and its queue is dropped
    uint32_t neigh_failed_hold_ms = 1000;  // a failed entry drops new packets this long
    uint32_t pending_per_neigh = 64;       // packets waiting for one resolution
    uint32_t pending_total = 1024;         // and for all of them

    uint32_t tx_queue = 1024;            // packets buffered for rte_eth_tx_burst
    bool tx_ipv4_cksum_offload = false;  // set from PortInfo
    bool tx_udp_cksum_offload = false;
    bool verify_udp_cksum = true;  // check received UDP checksums (unless the NIC did)
    bool answer_ping = true;

    uint32_t frag_max_flows = 4096;  // datagrams being reassembled at once
    uint32_t frag_timeout_ms = 2000;
};

// "10.0.0.10-10.0.0.50,10.0.1.1,fd00::10" → ipv4 ranges and ipv6 addresses (appended).
bool parse_local_ips(std::string_view text, StackConfig& cfg, std::string* error);
bool parse_ipv4(std::string_view text, uint32_t& host_order);
bool parse_ipv6(std::string_view text, Ip6& out);

enum class Drop : uint8_t {
    kTooShort,   // frame shorter than its headers
    kNotOurMac,  // unicast to another MAC
    kEtherType,  // not IPv4 / IPv6 / ARP (VLAN tags are not handled)
    kBadArp,
    kBadIpHeader,  // version, header length, total length
    kBadIpChecksum,
    kNotOurIp,
    kProtocol,        // IP protocol other than UDP / ICMP / ICMPv6, or IPv6 extension headers
    kBadUdp,          // UDP length
    kBadUdpChecksum,  // includes a zero checksum over IPv6
    kNoListener,      // UDP to another port
    kIcmp,            // ICMP we do not answer, or malformed
    kReassembly,      // fragment table refused the fragment
    kNoRoute,         // off-link destination with no gateway, or unsupported family
    kUnresolved,      // ARP / ND gave up; the queued packets are dropped
    kPendingFull,     // resolution queue full
    kTxFull,          // the TX queue stayed full
    kTooBig,          // larger than an IP datagram can be
    kFragment,        // rte_ip_frag could not fragment (mbuf shortage)
    kCount
};
const char* drop_name(Drop d);

struct StackCounters {
    uint64_t rx_packets = 0, rx_bytes = 0;  // frames handed to the stack
    uint64_t tx_packets = 0, tx_bytes = 0;  // frames accepted by rte_eth_tx_burst
    uint64_t rx_udp = 0, tx_udp = 0;        // datagrams delivered / sent
    uint64_t arp_requests_rx = 0, arp_replies_rx = 0, arp_requests_tx = 0, arp_replies_tx = 0;
    uint64_t ns_rx = 0, na_rx = 0, ns_tx = 0, na_tx = 0;
    uint64_t echo_requests_rx = 0, echo_replies_tx = 0, echo_requests_tx = 0, echo_replies_rx = 0;
    uint64_t fragments_rx = 0, reassembled = 0, fragmented = 0, fragments_tx = 0;
    uint64_t neigh_resolved = 0, neigh_failed = 0;
    uint64_t pending_queued = 0, pending_released = 0;
    uint64_t mbuf_alloc_failed = 0;  // pool exhausted (TX, control packets, fragments)
    uint64_t drops[static_cast<int>(Drop::kCount)] = {};
    uint64_t drop(Drop d) const { return drops[static_cast<int>(d)]; }
    uint64_t total_drops() const;
};

// The counters as one flat list, for the result file and the live view (which must not depend on this
// struct's layout): kStackCounterNames[i] names slot i; the last Drop::kCount slots are the drops, named
// by drop_name(). The shard copies them into its published statistics about once a second.
inline constexpr size_t kStackScalarCounters = 27;
inline constexpr size_t kStackCounterSlots = kStackScalarCounters + static_cast<size_t>(Drop::kCount);
extern const std::array<const char*, kStackScalarCounters> kStackCounterNames;
void flatten(const StackCounters& c, std::array<uint64_t, kStackCounterSlots>& out);

}  // namespace sipstorm::dpdk
