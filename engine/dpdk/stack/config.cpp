#include "dpdk/stack/config.hpp"

#include <arpa/inet.h>

#include <string>

namespace sipstorm::dpdk {

bool parse_ipv4(std::string_view text, uint32_t& host_order) {
    std::string s(text);
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) return false;
    host_order = ntohl(a.s_addr);
    return true;
}

bool parse_ipv6(std::string_view text, Ip6& out) {
    std::string s(text);
    if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    return inet_pton(AF_INET6, s.c_str(), out.data()) == 1;
}

bool parse_local_ips(std::string_view text, StackConfig& cfg, std::string* error) {
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t comma = text.find(',', pos);
        if (comma == std::string_view::npos) comma = text.size();
        std::string_view item = text.substr(pos, comma - pos);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        pos = comma + 1;
        if (item.empty()) {
            if (comma == text.size()) break;
            continue;
        }
        auto bad = [&](const char* why) {
            if (error) *error = "dpdk: local address '" + std::string(item) + "': " + why;
            return false;
        };
        if (item.find(':') != std::string_view::npos) {
            Ip6 a{};
            if (!parse_ipv6(item, a)) return bad("not an IPv6 address");
            cfg.ipv6.push_back(a);
            continue;
        }
        size_t dash = item.find('-');
        uint32_t lo = 0, hi = 0;
        if (dash == std::string_view::npos) {
            if (!parse_ipv4(item, lo)) return bad("not an IPv4 address");
            hi = lo;
        } else {
            if (!parse_ipv4(item.substr(0, dash), lo) || !parse_ipv4(item.substr(dash + 1), hi))
                return bad("not an IPv4 range A-B");
            if (hi < lo) return bad("range ends before it starts");
            if (hi - lo >= 65536) return bad("range larger than 65536 addresses");
        }
        cfg.ipv4.push_back({lo, hi});
    }
    return true;
}

const char* drop_name(Drop d) {
    switch (d) {
        case Drop::kTooShort:
            return "too_short";
        case Drop::kNotOurMac:
            return "not_our_mac";
        case Drop::kEtherType:
            return "ethertype";
        case Drop::kBadArp:
            return "bad_arp";
        case Drop::kBadIpHeader:
            return "bad_ip_header";
        case Drop::kBadIpChecksum:
            return "bad_ip_checksum";
        case Drop::kNotOurIp:
            return "not_our_ip";
        case Drop::kProtocol:
            return "protocol";
        case Drop::kBadUdp:
            return "bad_udp";
        case Drop::kBadUdpChecksum:
            return "bad_udp_checksum";
        case Drop::kNoListener:
            return "no_listener";
        case Drop::kIcmp:
            return "icmp";
        case Drop::kReassembly:
            return "reassembly";
        case Drop::kNoRoute:
            return "no_route";
        case Drop::kUnresolved:
            return "unresolved";
        case Drop::kPendingFull:
            return "pending_full";
        case Drop::kTxFull:
            return "tx_full";
        case Drop::kTooBig:
            return "too_big";
        case Drop::kFragment:
            return "fragment";
        case Drop::kCount:
            break;
    }
    return "?";
}

uint64_t StackCounters::total_drops() const {
    uint64_t n = 0;
    for (uint64_t v : drops) n += v;
    return n;
}

// A field added to StackCounters must be added to the names and to flatten() too.
static_assert(sizeof(StackCounters) == sizeof(uint64_t) * kStackCounterSlots);

const std::array<const char*, kStackScalarCounters> kStackCounterNames = {"rx_packets",
                                                                          "rx_bytes",
                                                                          "tx_packets",
                                                                          "tx_bytes",
                                                                          "rx_udp",
                                                                          "tx_udp",
                                                                          "arp_requests_rx",
                                                                          "arp_replies_rx",
                                                                          "arp_requests_tx",
                                                                          "arp_replies_tx",
                                                                          "ns_rx",
                                                                          "na_rx",
                                                                          "ns_tx",
                                                                          "na_tx",
                                                                          "echo_requests_rx",
                                                                          "echo_replies_tx",
                                                                          "echo_requests_tx",
                                                                          "echo_replies_rx",
                                                                          "fragments_rx",
                                                                          "reassembled",
                                                                          "fragmented",
                                                                          "fragments_tx",
                                                                          "neigh_resolved",
                                                                          "neigh_failed",
                                                                          "pending_queued",
                                                                          "pending_released",
                                                                          "mbuf_alloc_failed"};

void flatten(const StackCounters& c, std::array<uint64_t, kStackCounterSlots>& out) {
    // Same order as kStackCounterNames.
    const uint64_t scalars[kStackScalarCounters] = {c.rx_packets,
                                                    c.rx_bytes,
                                                    c.tx_packets,
                                                    c.tx_bytes,
                                                    c.rx_udp,
                                                    c.tx_udp,
                                                    c.arp_requests_rx,
                                                    c.arp_replies_rx,
                                                    c.arp_requests_tx,
                                                    c.arp_replies_tx,
                                                    c.ns_rx,
                                                    c.na_rx,
                                                    c.ns_tx,
                                                    c.na_tx,
                                                    c.echo_requests_rx,
                                                    c.echo_replies_tx,
                                                    c.echo_requests_tx,
                                                    c.echo_replies_rx,
                                                    c.fragments_rx,
                                                    c.reassembled,
                                                    c.fragmented,
                                                    c.fragments_tx,
                                                    c.neigh_resolved,
                                                    c.neigh_failed,
                                                    c.pending_queued,
                                                    c.pending_released,
                                                    c.mbuf_alloc_failed};
    size_t i = 0;
    for (uint64_t v : scalars) out[i++] = v;
    for (uint64_t v : c.drops) out[i++] = v;
}

}  // namespace sipstorm::dpdk
