#include "dpdk/stack/stack.hpp"

#include <arpa/inet.h>
#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include <algorithm>
#include <cstring>

#include "dpdk/stack/cksum.hpp"

namespace sipstorm::dpdk {

namespace {

constexpr uint16_t kEthArp = RTE_ETHER_TYPE_ARP, kEthIpv4 = RTE_ETHER_TYPE_IPV4,
                   kEthIpv6 = RTE_ETHER_TYPE_IPV6;
constexpr uint8_t kIcmp6EchoRequest = 128, kIcmp6EchoReply = 129, kNs = 135, kNa = 136;
constexpr uint32_t kEthLen = sizeof(rte_ether_hdr);

// Macros rather than functions: DPDK's ARP header is packed and its fields cannot bind to references.
#define mac_eq(a, m) (std::memcmp((a).addr_bytes, (m).b, 6) == 0)
#define mac_set(a, m) std::memcpy((a).addr_bytes, (m).b, 6)
inline Mac mac_of(const uint8_t* a) {
    Mac m;
    std::memcpy(m.b, a, 6);
    return m;
}

NeighKey key4(uint32_t net_order) {
    NeighKey k;
    k.family = AF_INET;
    std::memcpy(k.ip, &net_order, 4);
    return k;
}
NeighKey key6(const uint8_t* ip) {
    NeighKey k;
    k.family = AF_INET6;
    std::memcpy(k.ip, ip, 16);
    return k;
}

net::Address addr4(uint32_t net_order, uint16_t port_be) {
    net::Address a;
    a.family = AF_INET;
    a.port = rte_be_to_cpu_16(port_be);
    std::memcpy(a.ip, &net_order, 4);
    return a;
}
net::Address addr6(const uint8_t* ip, uint16_t port_be) {
    net::Address a;
    a.family = AF_INET6;
    a.port = rte_be_to_cpu_16(port_be);
    std::memcpy(a.ip, ip, 16);
    return a;
}

bool prefix_match(const uint8_t* a, const uint8_t* b, unsigned bits) {
    unsigned bytes = bits / 8, rest = bits % 8;
    if (std::memcmp(a, b, bytes) != 0) return false;
    if (rest == 0) return true;
    uint8_t mask = uint8_t(0xff << (8 - rest));
    return (a[bytes] & mask) == (b[bytes] & mask);
}

void solicited_node(const uint8_t* target, uint8_t* out) {
    static const uint8_t base[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0};
    std::memcpy(out, base, 16);
    out[13] = target[13];
    out[14] = target[14];
    out[15] = target[15];
}

bool is_zero16(const uint8_t* a) {
    for (int i = 0; i < 16; ++i)
        if (a[i]) return false;
    return true;
}

// ICMPv6 checksum over the pseudo header and the message (cksum field must be 0 on entry).
uint16_t icmp6_cksum(const rte_ipv6_hdr* ip, const void* l4) {
    uint16_t c = rte_ipv6_udptcp_cksum(ip, l4);
    return c;
}

// The UDP checksum of the datagram at l4_off (up to pkt_len) with its pseudo header, before inversion:
// cksum.hpp's fast sum when the mbuf is one segment, DPDK's mbuf walk otherwise. `ip` is an IPv4 or
// IPv6 header (v6 says which). To send: ~result (0 -> 0xffff); to verify: result == 0xffff.
uint16_t udp_sum(const rte_mbuf* m, const void* ip, bool v6, uint32_t l4_off) {
    const uint32_t phdr = v6 ? rte_ipv6_phdr_cksum(static_cast<const rte_ipv6_hdr*>(ip), 0)
                             : rte_ipv4_phdr_cksum(static_cast<const rte_ipv4_hdr*>(ip), 0);
    if (l4_off > m->pkt_len) return 0;
    if (m->nb_segs == 1)
        return cksum_fold(
            cksum_add(rte_pktmbuf_mtod_offset(m, const char*, l4_off), m->pkt_len - l4_off, phdr));
    uint16_t raw = 0;
    if (rte_raw_cksum_mbuf(m, l4_off, m->pkt_len - l4_off, &raw) != 0) return 0;
    return cksum_fold(uint64_t(raw) + phdr);
}

uint16_t udp_cksum_to_send(const rte_mbuf* m, const void* ip, bool v6, uint32_t l4_off) {
    const uint16_t c = uint16_t(~udp_sum(m, ip, v6, l4_off));
    return c == 0 ? 0xffff : c;
}

}  // namespace

Stack::Stack(const StackConfig& cfg, uint16_t port_id, uint16_t queue_id, rte_mempool* pool)
    : cfg_(cfg), port_(port_id), queue_(queue_id), pool_(pool) {
    hz_ = rte_get_tsc_hz();
    auto ms = [&](uint32_t v) { return hz_ / 1000 * v; };
    retry_cycles_ = ms(cfg_.neigh_retry_ms);
    reachable_cycles_ = ms(cfg_.neigh_reachable_ms);
    failed_hold_cycles_ = ms(cfg_.neigh_failed_hold_ms);
    if (cfg_.mtu < 576) cfg_.mtu = 576;
    if (!cfg_.ipv4.empty()) {
        mask4_ = cfg_.ipv4_prefix == 0 ? 0 : ~uint32_t(0) << (32 - std::min<uint8_t>(cfg_.ipv4_prefix, 32));
        net4_ = cfg_.ipv4.front().lo & mask4_;
    }
    if (!pool_) {
        error_ = "dpdk stack: no mbuf pool";
        return;
    }
    if (cfg_.tx_queue < 32) cfg_.tx_queue = 32;
    tx_ = static_cast<rte_mbuf**>(rte_zmalloc("sipstorm_stack_tx", sizeof(rte_mbuf*) * cfg_.tx_queue, 64));
    uint32_t flows = std::max<uint32_t>(cfg_.frag_max_flows, 16);
    uint32_t buckets = rte_align32pow2(flows / 8 ? flows / 8 : 1);
    frag_tbl_ = rte_ip_frag_table_create(buckets, 16, std::min(flows, buckets * 16),
                                         hz_ / 1000 * cfg_.frag_timeout_ms, rte_socket_id());
    if (!tx_ || !frag_tbl_)
        error_ = "dpdk stack: out of DPDK memory for the TX queue or the reassembly table";
    neigh_.reserve(64);
}

Stack::~Stack() {
    for (auto& [k, e] : neigh_)
        for (rte_mbuf* m : e.pending) rte_pktmbuf_free(m);
    if (tx_) {
        for (uint32_t i = 0; i < tx_count_; ++i) rte_pktmbuf_free(tx_[i]);
        rte_free(tx_);
    }
    if (frag_tbl_) {
        rte_ip_frag_free_death_row(&death_row_, 0);
        rte_ip_frag_table_destroy(frag_tbl_);
    }
}

void Stack::drop(rte_mbuf* m, Drop why) {
    ++c_.drops[static_cast<int>(why)];
    if (m) rte_pktmbuf_free(m);
}

bool Stack::is_local_ipv4(uint32_t net_order) const {
    uint32_t h = rte_be_to_cpu_32(net_order);
    for (const auto& r : cfg_.ipv4)
        if (h >= r.lo && h <= r.hi) return true;
    return false;
}

bool Stack::is_local_ipv6(const uint8_t* ip) const {
    for (const auto& a : cfg_.ipv6)
        if (std::memcmp(a.data(), ip, 16) == 0) return true;
    return false;
}

uint32_t Stack::first_ipv4_net() const {
    return cfg_.ipv4.empty() ? 0 : rte_cpu_to_be_32(cfg_.ipv4.front().lo);
}

const NeighEntry* Stack::neighbor(const net::Address& ip) const {
    NeighKey k = ip.family == AF_INET6 ? key6(ip.ip) : key4([&] {
        uint32_t v;
        std::memcpy(&v, ip.ip, 4);
        return v;
    }());
    auto it = neigh_.find(k);
    return it == neigh_.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------------------------------------- RX

bool Stack::input(rte_mbuf* m, uint64_t now, UdpDatagram& d) {
    ++c_.rx_packets;
    c_.rx_bytes += m->pkt_len;
    bool out = false;
    if (m->data_len < kEthLen) {
        drop(m, Drop::kTooShort);
    } else {
        auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
        bool for_us = mac_eq(eth->dst_addr, cfg_.mac) || rte_is_broadcast_ether_addr(&eth->dst_addr) ||
                      (eth->dst_addr.addr_bytes[0] == 0x33 && eth->dst_addr.addr_bytes[1] == 0x33);
        if (!for_us) {
            drop(m, Drop::kNotOurMac);
        } else {
            switch (rte_be_to_cpu_16(eth->ether_type)) {
                case kEthArp:
                    handle_arp(m, now);
                    break;
                case kEthIpv4:
                    out = handle_ipv4(m, now, d);
                    break;
                case kEthIpv6:
                    out = handle_ipv6(m, now, d);
                    break;
                default:
                    drop(m, Drop::kEtherType);
                    break;
            }
        }
    }
    if (death_row_.cnt) rte_ip_frag_free_death_row(&death_row_, 0);
    return out;
}

bool Stack::handle_arp(rte_mbuf* m, uint64_t now) {
    if (m->data_len < kEthLen + sizeof(rte_arp_hdr)) {
        drop(m, Drop::kTooShort);
        return false;
    }
    auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
    auto* arp = rte_pktmbuf_mtod_offset(m, rte_arp_hdr*, kEthLen);
    if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
        arp->arp_protocol != rte_cpu_to_be_16(kEthIpv4) || arp->arp_hlen != 6 || arp->arp_plen != 4) {
        drop(m, Drop::kBadArp);
        return false;
    }
    uint16_t op = rte_be_to_cpu_16(arp->arp_opcode);
    uint32_t sip = arp->arp_data.arp_sip, tip = arp->arp_data.arp_tip;
    Mac sha = mac_of(arp->arp_data.arp_sha.addr_bytes);
    bool to_us = is_local_ipv4(tip);
    if (op == RTE_ARP_OP_REQUEST) {
        ++c_.arp_requests_rx;
        // RFC 826: update an existing entry; create one when the request is for us.
        if (sip != 0) learn(key4(sip), sha, now, to_us);
        if (!to_us) {
            drop(m, Drop::kNotOurIp);
            return false;
        }
        // Answer in place.
        arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
        arp->arp_data.arp_tha = arp->arp_data.arp_sha;
        arp->arp_data.arp_tip = sip;
        mac_set(arp->arp_data.arp_sha, cfg_.mac);
        arp->arp_data.arp_sip = tip;
        eth->dst_addr = eth->src_addr;
        mac_set(eth->src_addr, cfg_.mac);
        m->ol_flags = 0;
        ++c_.arp_replies_tx;
        enqueue_tx(m);
        return true;
    }
    if (op == RTE_ARP_OP_REPLY) {
        ++c_.arp_replies_rx;
        // The request may have come from another queue's stack: share the answer (if it is to us).
        if (sip != 0 && to_us && shared_) shared_->publish(key4(sip), sha, now);
        if (sip != 0) learn(key4(sip), sha, now, false);
        rte_pktmbuf_free(m);
        return true;
    }
    drop(m, Drop::kBadArp);
    return false;
}

bool Stack::handle_ipv4(rte_mbuf* m, uint64_t now, UdpDatagram& d) {
    if (m->data_len < kEthLen + sizeof(rte_ipv4_hdr)) {
        drop(m, Drop::kTooShort);
        return false;
    }
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, kEthLen);
    uint32_t ihl = uint32_t(ip->version_ihl & 0x0f) * 4;
    uint32_t tot = rte_be_to_cpu_16(ip->total_length);
    if ((ip->version_ihl >> 4) != 4 || ihl < 20 || m->data_len < kEthLen + ihl || tot < ihl ||
        tot > m->pkt_len - kEthLen) {
        drop(m, Drop::kBadIpHeader);
        return false;
    }
    if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_GOOD) {
        if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
            rte_raw_cksum(ip, ihl) != 0xffff) {
            drop(m, Drop::kBadIpChecksum);
            return false;
        }
    }
    if (m->pkt_len > kEthLen + tot) rte_pktmbuf_trim(m, uint16_t(m->pkt_len - kEthLen - tot));  // padding
    if (!is_local_ipv4(ip->dst_addr)) {
        drop(m, Drop::kNotOurIp);
        return false;
    }
    if (rte_ipv4_frag_pkt_is_fragmented(ip)) {
        ++c_.fragments_rx;
        m->l2_len = kEthLen;
        m->l3_len = uint16_t(ihl);
        rte_mbuf* whole = rte_ipv4_frag_reassemble_packet(frag_tbl_, &death_row_, m, now, ip);
        if (!whole) return false;  // held until the rest arrives (or dropped to the death row)
        ++c_.reassembled;
        m = whole;
        ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, kEthLen);
        ihl = uint32_t(ip->version_ihl & 0x0f) * 4;
        tot = std::min<uint32_t>(rte_be_to_cpu_16(ip->total_length), m->pkt_len - kEthLen);
    }
    switch (ip->next_proto_id) {
        case IPPROTO_UDP:
            return deliver_udp(m, kEthLen + ihl, tot - ihl, addr4(ip->src_addr, 0), addr4(ip->dst_addr, 0),
                               false, d);
        case IPPROTO_ICMP:
            handle_icmp4(m, kEthLen, ihl);
            return false;
        default:
            drop(m, Drop::kProtocol);
            return false;
    }
}

bool Stack::deliver_udp(rte_mbuf* m, uint32_t l4_off, uint32_t l4_len, const net::Address& src,
                        const net::Address& dst, bool v6, UdpDatagram& d) {
    rte_udp_hdr tmp;
    const auto* udp = static_cast<const rte_udp_hdr*>(rte_pktmbuf_read(m, l4_off, sizeof tmp, &tmp));
    if (!udp || l4_len < sizeof(rte_udp_hdr)) {
        drop(m, Drop::kBadUdp);
        return false;
    }
    uint32_t ulen = rte_be_to_cpu_16(udp->dgram_len);
    if (ulen < sizeof(rte_udp_hdr) || ulen > l4_len) {
        drop(m, Drop::kBadUdp);
        return false;
    }
    uint16_t dport = rte_be_to_cpu_16(udp->dst_port), sport = udp->src_port;
    if (cfg_.udp_port != 0 && dport != cfg_.udp_port) {
        drop(m, Drop::kNoListener);
        return false;
    }
    if (v6 && udp->dgram_cksum == 0) {  // RFC 8200: mandatory over IPv6
        drop(m, Drop::kBadUdpChecksum);
        return false;
    }
    bool hw_good = (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
    bool hw_bad = (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD;
    if (udp->dgram_cksum != 0 && !hw_good && (hw_bad || cfg_.verify_udp_cksum)) {
        if (hw_bad || udp_sum(m, rte_pktmbuf_mtod_offset(m, const void*, kEthLen), v6, l4_off) != 0xffff) {
            drop(m, Drop::kBadUdpChecksum);
            return false;
        }
    }
    d.m = m;
    d.offset = l4_off + sizeof(rte_udp_hdr);
    d.len = ulen - sizeof(rte_udp_hdr);
    d.data = d.offset + d.len <= m->data_len ? rte_pktmbuf_mtod_offset(m, const char*, d.offset) : nullptr;
    d.from = src;
    d.from.port = rte_be_to_cpu_16(sport);
    d.to = dst;
    d.to.port = dport;
    ++c_.rx_udp;
    return true;
}

void Stack::handle_icmp4(rte_mbuf* m, uint32_t l3_off, uint32_t ihl) {
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, l3_off);
    uint32_t len = rte_be_to_cpu_16(ip->total_length) - ihl;
    if (m->nb_segs != 1 || len < sizeof(rte_icmp_hdr) || m->data_len < l3_off + ihl + len) {
        drop(m, Drop::kIcmp);
        return;
    }
    auto* icmp = rte_pktmbuf_mtod_offset(m, rte_icmp_hdr*, l3_off + ihl);
    if (rte_raw_cksum(icmp, len) != 0xffff) {
        drop(m, Drop::kIcmp);
        return;
    }
    if (icmp->icmp_type == RTE_IP_ICMP_ECHO_REPLY) {
        ++c_.echo_replies_rx;
        rte_pktmbuf_free(m);
        return;
    }
    if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0 || !cfg_.answer_ping) {
        drop(m, Drop::kIcmp);
        return;
    }
    ++c_.echo_requests_rx;
    icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
    icmp->icmp_cksum = 0;
    icmp->icmp_cksum = uint16_t(~rte_raw_cksum(icmp, len));
    uint32_t src = ip->src_addr;
    ip->src_addr = ip->dst_addr;
    ip->dst_addr = src;
    ip->time_to_live = 64;
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
    eth->dst_addr = eth->src_addr;
    mac_set(eth->src_addr, cfg_.mac);
    m->ol_flags = 0;
    ++c_.echo_replies_tx;
    enqueue_tx(m);
}

bool Stack::handle_ipv6(rte_mbuf* m, uint64_t now, UdpDatagram& d) {
    if (m->data_len < kEthLen + sizeof(rte_ipv6_hdr)) {
        drop(m, Drop::kTooShort);
        return false;
    }
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv6_hdr*, kEthLen);
    uint32_t plen = rte_be_to_cpu_16(ip->payload_len);
    if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6 || plen + sizeof(rte_ipv6_hdr) > m->pkt_len - kEthLen) {
        drop(m, Drop::kBadIpHeader);
        return false;
    }
    if (m->pkt_len > kEthLen + 40 + plen) rte_pktmbuf_trim(m, uint16_t(m->pkt_len - kEthLen - 40 - plen));
    if (ip->proto == IPPROTO_ICMPV6) {
        // NS goes to a solicited-node multicast address; handle_icmp6 checks the target.
        handle_icmp6(m, now);
        return false;
    }
    if (!is_local_ipv6(ip->dst_addr)) {
        drop(m, Drop::kNotOurIp);
        return false;
    }
    if (ip->proto == IPPROTO_FRAGMENT) {
        if (m->data_len < kEthLen + 40 + sizeof(rte_ipv6_fragment_ext)) {
            drop(m, Drop::kTooShort);
            return false;
        }
        ++c_.fragments_rx;
        auto* fh = rte_ipv6_frag_get_ipv6_fragment_header(ip);
        m->l2_len = kEthLen;
        m->l3_len = sizeof(rte_ipv6_hdr) + sizeof(rte_ipv6_fragment_ext);
        rte_mbuf* whole = rte_ipv6_frag_reassemble_packet(frag_tbl_, &death_row_, m, now, ip, fh);
        if (!whole) return false;
        ++c_.reassembled;
        m = whole;
        ip = rte_pktmbuf_mtod_offset(m, rte_ipv6_hdr*, kEthLen);  // the fragment header is gone
        plen = std::min<uint32_t>(rte_be_to_cpu_16(ip->payload_len), m->pkt_len - kEthLen - 40);
    }
    if (ip->proto != IPPROTO_UDP) {
        drop(m, Drop::kProtocol);
        return false;
    }
    return deliver_udp(m, kEthLen + 40, plen, addr6(ip->src_addr, 0), addr6(ip->dst_addr, 0), true, d);
}

void Stack::handle_icmp6(rte_mbuf* m, uint64_t now) {
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv6_hdr*, kEthLen);
    uint32_t len = rte_be_to_cpu_16(ip->payload_len);
    if (m->nb_segs != 1 || len < 8 || m->data_len < kEthLen + 40 + len) {
        drop(m, Drop::kIcmp);
        return;
    }
    auto* icmp = rte_pktmbuf_mtod_offset(m, uint8_t*, kEthLen + 40);
    if (rte_ipv6_udptcp_cksum_verify(ip, icmp) != 0) {
        drop(m, Drop::kIcmp);
        return;
    }
    uint8_t type = icmp[0];
    auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
    if (type == kNs || type == kNa) {
        if (ip->hop_limits != 255 || icmp[1] != 0 || len < 24) {
            drop(m, Drop::kIcmp);
            return;
        }
        const uint8_t* target = icmp + 8;
        // Link-layer address option: type 1 (source) in NS, 2 (target) in NA.
        const uint8_t* lla = nullptr;
        for (uint32_t off = 24; off + 8 <= len;) {
            uint32_t olen = uint32_t(icmp[off + 1]) * 8;
            if (olen == 0 || off + olen > len) break;
            if (icmp[off] == (type == kNs ? 1 : 2) && olen >= 8) lla = icmp + off + 2;
            off += olen;
        }
        Mac lmac;
        if (lla) std::memcpy(lmac.b, lla, 6);
        if (type == kNs) {
            ++c_.ns_rx;
            bool ours = is_local_ipv6(target);
            bool dad = is_zero16(ip->src_addr);
            if (!dad && lla) learn(key6(ip->src_addr), lmac, now, ours);
            if (!ours) {
                drop(m, Drop::kNotOurIp);
                return;
            }
            static const uint8_t all_nodes[16] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
            Mac to_mac = lla ? lmac : mac_of(eth->src_addr.addr_bytes);
            uint8_t tgt[16], to[16];
            std::memcpy(tgt, target, 16);
            std::memcpy(to, dad ? all_nodes : ip->src_addr, 16);
            if (dad) to_mac = Mac{{0x33, 0x33, 0, 0, 0, 1}};
            rte_pktmbuf_free(m);
            send_na(tgt, to, to_mac, !dad);
            return;
        }
        ++c_.na_rx;
        if (!lla) lmac = mac_of(eth->src_addr.addr_bytes);
        if (shared_) shared_->publish(key6(target), lmac, now);
        learn(key6(target), lmac, now, false);
        rte_pktmbuf_free(m);
        return;
    }
    if (!is_local_ipv6(ip->dst_addr)) {
        drop(m, Drop::kNotOurIp);
        return;
    }
    if (type == kIcmp6EchoReply) {
        ++c_.echo_replies_rx;
        rte_pktmbuf_free(m);
        return;
    }
    if (type != kIcmp6EchoRequest || !cfg_.answer_ping) {
        drop(m, Drop::kIcmp);
        return;
    }
    ++c_.echo_requests_rx;
    uint8_t tmp[16];
    std::memcpy(tmp, ip->src_addr, 16);
    std::memcpy(ip->src_addr, ip->dst_addr, 16);
    std::memcpy(ip->dst_addr, tmp, 16);
    ip->hop_limits = 64;
    icmp[0] = kIcmp6EchoReply;
    icmp[2] = icmp[3] = 0;
    uint16_t ck = icmp6_cksum(ip, icmp);
    std::memcpy(icmp + 2, &ck, 2);
    eth->dst_addr = eth->src_addr;
    mac_set(eth->src_addr, cfg_.mac);
    m->ol_flags = 0;
    ++c_.echo_replies_tx;
    enqueue_tx(m);
}

// ---------------------------------------------------------------------------------- neighbours

void Stack::learn(const NeighKey& k, const Mac& mac, uint64_t now, bool create) {
    auto it = neigh_.find(k);
    if (it == neigh_.end()) {
        if (!create) return;
        it = neigh_.emplace(k, NeighEntry{}).first;
    }
    NeighEntry& e = it->second;
    if (e.permanent) return;
    bool was_resolved = e.state == NeighEntry::State::kReachable;
    e.state = NeighEntry::State::kReachable;
    e.mac = mac;
    e.since = now;
    if (shared_) shared_->publish(k, mac, now);
    e.retries = 0;
    if (!was_resolved) ++c_.neigh_resolved;
    if (!e.pending.empty()) {
        std::vector<rte_mbuf*> q;
        q.swap(e.pending);
        pending_total_ -= uint32_t(q.size());
        for (rte_mbuf* p : q) {
            ++c_.pending_released;
            transmit_ip(p, mac, k.family == AF_INET6);
        }
        q.clear();
        if (e.pending.empty()) e.pending.swap(q);  // keep the capacity
    }
}

void Stack::resolve(const net::Address& ip, uint64_t now) {
    NeighKey k = ip.family == AF_INET6 ? key6(ip.ip) : key4([&] {
        uint32_t v;
        std::memcpy(&v, ip.ip, 4);
        return v;
    }());
    auto [it, fresh] = neigh_.try_emplace(k);
    if (!fresh) return;
    it->second.since = now;
    it->second.next_retry = now + retry_cycles_;
    it->second.retries = 1;
    send_request(k);
}

// Takes a resolution another queue's stack published after e was last confirmed. True when it did.
bool Stack::adopt_shared(const NeighKey& k, NeighEntry& e, uint64_t now) {
    Mac mac;
    uint64_t since;
    if (!shared_) return false;
    // Only fresh news: learned within an entry lifetime, and after our own last confirmation.
    uint64_t newer_than = now > reachable_cycles_ ? now - reachable_cycles_ : 0;
    if (e.state == NeighEntry::State::kReachable) newer_than = std::max(newer_than, e.since);
    if (!shared_->lookup(k, newer_than, mac, since)) return false;
    learn(k, mac, since, false);  // releases e's pending packets
    return true;
}

void Stack::add_static_neighbor(const net::Address& ip, const Mac& mac, uint64_t now) {
    NeighKey k = ip.family == AF_INET6 ? key6(ip.ip) : key4([&] {
        uint32_t v;
        std::memcpy(&v, ip.ip, 4);
        return v;
    }());
    learn(k, mac, now, true);
    neigh_[k].permanent = true;
}

void Stack::send_request(const NeighKey& k) {
    if (k.family == AF_INET) {
        uint32_t v;
        std::memcpy(&v, k.ip, 4);
        send_arp_request(v);
    } else {
        send_ns(k.ip);
    }
}

void Stack::send_arp_request(uint32_t target_net) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (!m) {
        ++c_.mbuf_alloc_failed;
        return;
    }
    auto* eth = reinterpret_cast<rte_ether_hdr*>(rte_pktmbuf_append(m, kEthLen + sizeof(rte_arp_hdr)));
    if (!eth) {
        rte_pktmbuf_free(m);
        return;
    }
    std::memset(eth->dst_addr.addr_bytes, 0xff, 6);
    mac_set(eth->src_addr, cfg_.mac);
    eth->ether_type = rte_cpu_to_be_16(kEthArp);
    auto* arp = reinterpret_cast<rte_arp_hdr*>(eth + 1);
    arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
    arp->arp_protocol = rte_cpu_to_be_16(kEthIpv4);
    arp->arp_hlen = 6;
    arp->arp_plen = 4;
    arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
    mac_set(arp->arp_data.arp_sha, cfg_.mac);
    arp->arp_data.arp_sip = first_ipv4_net();
    std::memset(arp->arp_data.arp_tha.addr_bytes, 0, 6);
    arp->arp_data.arp_tip = target_net;
    ++c_.arp_requests_tx;
    enqueue_tx(m);
}

namespace {
// Ethernet + IPv6 header + ICMPv6 (type, code, 4 bytes flags, target, one 8-byte LLA option).
rte_mbuf* build_nd(rte_mempool* pool, const Mac& src_mac, const Mac& dst_mac, const uint8_t* src_ip,
                   const uint8_t* dst_ip, uint8_t type, uint8_t flags, const uint8_t* target,
                   uint8_t opt_type) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (!m) return nullptr;
    constexpr uint32_t icmp_len = 4 + 4 + 16 + 8;
    char* p = rte_pktmbuf_append(m, 14 + 40 + icmp_len);
    if (!p) {
        rte_pktmbuf_free(m);
        return nullptr;
    }
    auto* eth = reinterpret_cast<rte_ether_hdr*>(p);
    mac_set(eth->dst_addr, dst_mac);
    mac_set(eth->src_addr, src_mac);
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
    auto* ip = reinterpret_cast<rte_ipv6_hdr*>(eth + 1);
    ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
    ip->payload_len = rte_cpu_to_be_16(icmp_len);
    ip->proto = IPPROTO_ICMPV6;
    ip->hop_limits = 255;
    std::memcpy(ip->src_addr, src_ip, 16);
    std::memcpy(ip->dst_addr, dst_ip, 16);
    auto* icmp = reinterpret_cast<uint8_t*>(ip + 1);
    std::memset(icmp, 0, icmp_len);
    icmp[0] = type;
    icmp[4] = flags;
    std::memcpy(icmp + 8, target, 16);
    icmp[24] = opt_type;
    icmp[25] = 1;
    std::memcpy(icmp + 26, src_mac.b, 6);
    uint16_t ck = rte_ipv6_udptcp_cksum(ip, icmp);
    std::memcpy(icmp + 2, &ck, 2);
    return m;
}
}  // namespace

void Stack::send_ns(const uint8_t* target) {
    if (cfg_.ipv6.empty()) return;
    uint8_t dst[16];
    solicited_node(target, dst);
    Mac dmac{{0x33, 0x33, dst[12], dst[13], dst[14], dst[15]}};
    rte_mbuf* m = build_nd(pool_, cfg_.mac, dmac, cfg_.ipv6.front().data(), dst, kNs, 0, target, 1);
    if (!m) {
        ++c_.mbuf_alloc_failed;
        return;
    }
    ++c_.ns_tx;
    enqueue_tx(m);
}

void Stack::send_na(const uint8_t* target, const uint8_t* to_ip, const Mac& to_mac, bool solicited) {
    uint8_t flags = uint8_t(0x20 | (solicited ? 0x40 : 0));  // Override, Solicited
    rte_mbuf* m = build_nd(pool_, cfg_.mac, to_mac, target, to_ip, kNa, flags, target, 2);
    if (!m) {
        ++c_.mbuf_alloc_failed;
        return;
    }
    ++c_.na_tx;
    enqueue_tx(m);
}

void Stack::fail_entry(NeighEntry& e, uint64_t now) {
    e.state = NeighEntry::State::kFailed;
    e.since = now;
    ++c_.neigh_failed;
    for (rte_mbuf* p : e.pending) drop(p, Drop::kUnresolved);
    pending_total_ -= uint32_t(e.pending.size());
    e.pending.clear();
}

void Stack::tick(uint64_t now) {
    if (now < next_tick_) return;
    next_tick_ = now + hz_ / 1000;  // at most once a millisecond
    for (auto it = neigh_.begin(); it != neigh_.end();) {
        NeighEntry& e = it->second;
        bool erase = false;
        switch (e.state) {
            case NeighEntry::State::kIncomplete:
                if (adopt_shared(it->first, e, now)) break;
                if (now >= e.next_retry) {
                    if (e.retries >= cfg_.neigh_max_retries) {
                        fail_entry(e, now);
                    } else {
                        ++e.retries;
                        e.next_retry = now + retry_cycles_;
                        send_request(it->first);
                    }
                }
                break;
            case NeighEntry::State::kReachable:
                if (e.permanent) break;
                // Refresh before forgetting: past its lifetime the entry stays usable while up to
                // neigh_max_retries requests go out; an answer (learn()) restarts it, silence ends it.
                if (now - e.since > reachable_cycles_ && !adopt_shared(it->first, e, now)) {
                    if (e.retries == 0 || now >= e.next_retry) {
                        if (e.retries >= cfg_.neigh_max_retries) {
                            erase = true;
                        } else {
                            ++e.retries;
                            e.next_retry = now + retry_cycles_;
                            send_request(it->first);
                        }
                    }
                }
                break;
            case NeighEntry::State::kFailed:
                erase = now - e.since > failed_hold_cycles_;
                break;
        }
        if (erase) {
            if (memo_entry_ == &e) memo_entry_ = nullptr;
            it = neigh_.erase(it);
        } else {
            ++it;
        }
    }
    rte_ip_frag_table_del_expired_entries(frag_tbl_, &death_row_, now);
    if (death_row_.cnt) rte_ip_frag_free_death_row(&death_row_, 0);
}

// ---------------------------------------------------------------------------------------------- TX

bool Stack::next_hop(const net::Address& to, NeighKey& nh) {
    if (to.family == AF_INET) {
        uint32_t dst;
        std::memcpy(&dst, to.ip, 4);
        uint32_t h = rte_be_to_cpu_32(dst);
        if (mask4_ == 0 && cfg_.ipv4.empty()) return false;
        if ((h & mask4_) == net4_) {
            nh = key4(dst);
            return true;
        }
        if (cfg_.ipv4_gateway == 0) return false;
        nh = key4(rte_cpu_to_be_32(cfg_.ipv4_gateway));
        return true;
    }
    if (to.family == AF_INET6) {
        if (cfg_.ipv6.empty()) return false;
        bool link_local = to.ip[0] == 0xfe && (to.ip[1] & 0xc0) == 0x80;
        if (link_local || prefix_match(to.ip, cfg_.ipv6.front().data(), cfg_.ipv6_prefix)) {
            nh = key6(to.ip);
            return true;
        }
        if (is_zero16(cfg_.ipv6_gateway.data())) return false;
        nh = key6(cfg_.ipv6_gateway.data());
        return true;
    }
    return false;
}

void Stack::send_udp(rte_mbuf* m, const net::Address& from, const net::Address& to, uint64_t now) {
    const uint32_t payload = m->pkt_len;
    NeighKey nh;
    if (from.family != to.family || !next_hop(to, nh)) {
        drop(m, Drop::kNoRoute);
        return;
    }
    if (to.family == AF_INET) {
        if (payload + 28 > 65535) {
            drop(m, Drop::kTooBig);
            return;
        }
        auto* ip = reinterpret_cast<rte_ipv4_hdr*>(rte_pktmbuf_prepend(m, 20 + 8));
        if (!ip) {
            drop(m, Drop::kTooBig);
            return;
        }
        auto* udp = reinterpret_cast<rte_udp_hdr*>(ip + 1);
        ip->version_ihl = RTE_IPV4_VHL_DEF;
        ip->type_of_service = 0;
        ip->total_length = rte_cpu_to_be_16(uint16_t(payload + 28));
        ip->packet_id = rte_cpu_to_be_16(ip_id_++);
        ip->fragment_offset = 0;
        ip->time_to_live = 64;
        ip->next_proto_id = IPPROTO_UDP;
        ip->hdr_checksum = 0;
        std::memcpy(&ip->src_addr, from.ip, 4);
        std::memcpy(&ip->dst_addr, to.ip, 4);
        udp->src_port = rte_cpu_to_be_16(from.port);
        udp->dst_port = rte_cpu_to_be_16(to.port);
        udp->dgram_len = rte_cpu_to_be_16(uint16_t(payload + 8));
        udp->dgram_cksum = 0;
        m->l2_len = kEthLen;
        m->l3_len = 20;
        m->ol_flags = 0;
        bool fits = payload + 28 <= cfg_.mtu;
        if (fits && cfg_.tx_udp_cksum_offload) {
            m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM;
            udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
        } else {
            // Optional over IPv4, but computed: a target that checks must not see zeros.
            udp->dgram_cksum = udp_cksum_to_send(m, ip, false, 20);
        }
    } else {
        if (payload + 8 > 65535) {
            drop(m, Drop::kTooBig);
            return;
        }
        auto* ip = reinterpret_cast<rte_ipv6_hdr*>(rte_pktmbuf_prepend(m, 40 + 8));
        if (!ip) {
            drop(m, Drop::kTooBig);
            return;
        }
        auto* udp = reinterpret_cast<rte_udp_hdr*>(ip + 1);
        ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
        ip->payload_len = rte_cpu_to_be_16(uint16_t(payload + 8));
        ip->proto = IPPROTO_UDP;
        ip->hop_limits = 64;
        std::memcpy(ip->src_addr, from.ip, 16);
        std::memcpy(ip->dst_addr, to.ip, 16);
        udp->src_port = rte_cpu_to_be_16(from.port);
        udp->dst_port = rte_cpu_to_be_16(to.port);
        udp->dgram_len = rte_cpu_to_be_16(uint16_t(payload + 8));
        udp->dgram_cksum = 0;
        m->l2_len = kEthLen;
        m->l3_len = 40;
        m->ol_flags = 0;
        bool fits = payload + 48 <= cfg_.mtu;
        if (fits && cfg_.tx_udp_cksum_offload) {
            m->ol_flags |= RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM;
            udp->dgram_cksum = rte_ipv6_phdr_cksum(ip, m->ol_flags);
        } else {
            udp->dgram_cksum = udp_cksum_to_send(m, ip, true, 40);  // never 0 (0xffff instead)
        }
    }
    ++c_.tx_udp;
    output_ip(m, nh, now);
}

bool Stack::send_ping(const net::Address& to, uint16_t id, uint16_t seq, uint64_t now) {
    NeighKey nh;
    if (!next_hop(to, nh)) {
        ++c_.drops[int(Drop::kNoRoute)];
        return false;
    }
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (!m) {
        ++c_.mbuf_alloc_failed;
        return false;
    }
    constexpr uint32_t data = 32;
    if (to.family == AF_INET) {
        auto* ip = reinterpret_cast<rte_ipv4_hdr*>(rte_pktmbuf_append(m, 20 + 8 + data));
        if (!ip) {
            rte_pktmbuf_free(m);
            return false;
        }
        std::memset(ip, 0, 20 + 8 + data);
        ip->version_ihl = RTE_IPV4_VHL_DEF;
        ip->total_length = rte_cpu_to_be_16(20 + 8 + data);
        ip->packet_id = rte_cpu_to_be_16(ip_id_++);
        ip->time_to_live = 64;
        ip->next_proto_id = IPPROTO_ICMP;
        ip->src_addr = first_ipv4_net();
        std::memcpy(&ip->dst_addr, to.ip, 4);
        auto* icmp = reinterpret_cast<rte_icmp_hdr*>(ip + 1);
        icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
        icmp->icmp_ident = rte_cpu_to_be_16(id);
        icmp->icmp_seq_nb = rte_cpu_to_be_16(seq);
        std::memset(icmp + 1, 0xa5, data);
        icmp->icmp_cksum = uint16_t(~rte_raw_cksum(icmp, 8 + data));
        m->l2_len = kEthLen;
        m->l3_len = 20;
    } else {
        if (cfg_.ipv6.empty()) {
            rte_pktmbuf_free(m);
            return false;
        }
        auto* ip = reinterpret_cast<rte_ipv6_hdr*>(rte_pktmbuf_append(m, 40 + 8 + data));
        if (!ip) {
            rte_pktmbuf_free(m);
            return false;
        }
        std::memset(ip, 0, 40 + 8 + data);
        ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
        ip->payload_len = rte_cpu_to_be_16(8 + data);
        ip->proto = IPPROTO_ICMPV6;
        ip->hop_limits = 64;
        std::memcpy(ip->src_addr, cfg_.ipv6.front().data(), 16);
        std::memcpy(ip->dst_addr, to.ip, 16);
        auto* icmp = reinterpret_cast<uint8_t*>(ip + 1);
        icmp[0] = kIcmp6EchoRequest;
        uint16_t v = rte_cpu_to_be_16(id);
        std::memcpy(icmp + 4, &v, 2);
        v = rte_cpu_to_be_16(seq);
        std::memcpy(icmp + 6, &v, 2);
        std::memset(icmp + 8, 0xa5, data);
        uint16_t ck = icmp6_cksum(ip, icmp);
        std::memcpy(icmp + 2, &ck, 2);
        m->l2_len = kEthLen;
        m->l3_len = 40;
    }
    ++c_.echo_requests_tx;
    output_ip(m, nh, now);
    return true;
}

void Stack::output_ip(rte_mbuf* m, const NeighKey& nh, uint64_t now) {
    NeighEntry* e = nullptr;
    if (memo_entry_ && memo_key_ == nh && memo_entry_->state == NeighEntry::State::kReachable) {
        e = memo_entry_;
    } else {
        auto [it, fresh] = neigh_.try_emplace(nh);
        e = &it->second;
        if (fresh && !adopt_shared(nh, *e, now)) {
            e->since = now;
            e->next_retry = now + retry_cycles_;
            e->retries = 1;
            send_request(nh);
        }
    }
    switch (e->state) {
        case NeighEntry::State::kReachable:
            memo_key_ = nh;
            memo_entry_ = e;
            transmit_ip(m, e->mac, nh.family == AF_INET6);
            return;
        case NeighEntry::State::kFailed:
            drop(m, Drop::kUnresolved);
            return;
        case NeighEntry::State::kIncomplete:
            if (e->pending.size() >= cfg_.pending_per_neigh || pending_total_ >= cfg_.pending_total) {
                drop(m, Drop::kPendingFull);
                return;
            }
            e->pending.push_back(m);
            ++pending_total_;
            ++c_.pending_queued;
            return;
    }
}

bool Stack::push_ether(rte_mbuf* m, const Mac& dst, uint16_t ethertype) {
    auto* eth = reinterpret_cast<rte_ether_hdr*>(rte_pktmbuf_prepend(m, kEthLen));
    if (!eth) {
        drop(m, Drop::kTooBig);  // no headroom: cannot happen with our mbufs
        return false;
    }
    mac_set(eth->dst_addr, dst);
    mac_set(eth->src_addr, cfg_.mac);
    eth->ether_type = rte_cpu_to_be_16(ethertype);
    return true;
}

void Stack::transmit_ip(rte_mbuf* m, const Mac& dst, bool v6) {
    const uint16_t ethertype = v6 ? kEthIpv6 : kEthIpv4;
    if (m->pkt_len <= cfg_.mtu) {
        if (!v6) {
            auto* ip = rte_pktmbuf_mtod(m, rte_ipv4_hdr*);
            if (cfg_.tx_ipv4_cksum_offload) {
                m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
                ip->hdr_checksum = 0;
            } else {
                ip->hdr_checksum = 0;
                ip->hdr_checksum = rte_ipv4_cksum(ip);
            }
        }
        if (push_ether(m, dst, ethertype)) enqueue_tx(m);
        return;
    }
    // Fragment (the UDP checksum was computed in software over the whole datagram).
    m->ol_flags = 0;
    rte_mbuf* frags[RTE_LIBRTE_IP_FRAG_MAX_FRAG * 8];
    int n;
    if (!v6) {
        n = rte_ipv4_fragment_packet(m, frags, RTE_DIM(frags), cfg_.mtu, pool_, pool_);
    } else {
        // Fragment payloads must be multiples of 8: 1500 - 40 - 8 = 1452 is not.
        uint16_t mtu6 = uint16_t(48 + ((cfg_.mtu - 48) & ~7u));
        n = rte_ipv6_fragment_packet(m, frags, RTE_DIM(frags), mtu6, pool_, pool_);
    }
    rte_pktmbuf_free(m);  // the fragments hold references to its data
    if (n <= 0) {
        ++c_.drops[int(Drop::kFragment)];
        if (n == -ENOMEM) ++c_.mbuf_alloc_failed;
        return;
    }
    ++c_.fragmented;
    uint32_t id6 = rte_cpu_to_be_32(frag6_id_++);
    for (int i = 0; i < n; ++i) {
        rte_mbuf* f = frags[i];
        if (!v6) {
            auto* ip = rte_pktmbuf_mtod(f, rte_ipv4_hdr*);
            ip->hdr_checksum = 0;
            ip->hdr_checksum = rte_ipv4_cksum(ip);
        } else {
            // rte_ipv6_fragment_packet leaves the identification to us: one per datagram.
            auto* fh = rte_pktmbuf_mtod_offset(f, rte_ipv6_fragment_ext*, sizeof(rte_ipv6_hdr));
            fh->id = id6;
        }
        f->ol_flags = 0;
        if (!push_ether(f, dst, ethertype)) continue;
        ++c_.fragments_tx;
        enqueue_tx(f);
    }
}

void Stack::enqueue_tx(rte_mbuf* m) {
    if (tx_count_ == cfg_.tx_queue) {
        flush_tx();
        if (tx_count_ == cfg_.tx_queue) {
            drop(m, Drop::kTxFull);
            return;
        }
    }
    tx_[tx_count_++] = m;
}

uint32_t Stack::flush_tx() {
    uint32_t sent_total = 0;
    uint32_t lens[512];
    for (int attempt = 0; attempt < 4 && tx_count_ > sent_total; ++attempt) {
        uint16_t chunk = uint16_t(std::min<uint32_t>(tx_count_ - sent_total, 512));
        for (uint16_t i = 0; i < chunk; ++i) lens[i] = tx_[sent_total + i]->pkt_len;  // gone once sent
        uint16_t n = rte_eth_tx_burst(port_, queue_, tx_ + sent_total, chunk);
        for (uint16_t i = 0; i < n; ++i) c_.tx_bytes += lens[i];
        sent_total += n;
        if (n == 0) break;
    }
    c_.tx_packets += sent_total;
    if (sent_total && sent_total < tx_count_)
        std::memmove(tx_, tx_ + sent_total, sizeof(rte_mbuf*) * (tx_count_ - sent_total));
    tx_count_ -= sent_total;
    return sent_total;
}

}  // namespace sipstorm::dpdk
