// A small user-space IP stack for one DPDK queue pair: Ethernet, ARP, IPv4 (+ICMP echo), IPv6
// (+neighbour discovery, ICMPv6 echo), UDP, and IP fragmentation / reassembly (rte_ip_frag) for SIP
// datagrams above the MTU. Single-threaded: the shard that owns the queue pair calls everything.
//
// RX: input() takes frames as they come from rte_eth_rx_burst (data at the Ethernet header), answers
// ARP / NS / echo in place, and returns the UDP datagrams for us. Headers are read straight from the
// first segment; a reassembled datagram is a chain, its payload is read with rte_pktmbuf_read.
// TX: send_udp() takes an mbuf whose data is the UDP payload with room in front (headroom) for the
// Ethernet, IP and UDP headers; it prepends them, resolves the next hop (queueing while ARP / ND runs,
// bounded), fragments above the MTU, and queues the frames; flush_tx() hands them to the NIC.
#pragma once
#include <rte_ip_frag.h>

#include <cstdint>
#include <string>

#include "dpdk/stack/config.hpp"
#include "dpdk/stack/neighbor.hpp"
#include "net/address.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace sipstorm::dpdk {

// Room every TX mbuf must have in front of the payload: Ethernet + IPv6 + UDP (IPv4 needs less).
inline constexpr uint32_t kTxHeaderRoom = 14 + 40 + 8;

struct UdpDatagram {
    rte_mbuf* m = nullptr;       // owned by the caller after input() returns true
    uint32_t offset = 0;         // payload offset in the packet (may cross segments when m->nb_segs > 1)
    uint32_t len = 0;            // payload length
    const char* data = nullptr;  // the payload when it is contiguous in the first segment, else nullptr
    net::Address from, to;
};

class Stack {
  public:
    // pool: mbufs for control packets (ARP, NS/NA, echo) and for fragment headers.
    Stack(const StackConfig& cfg, uint16_t port_id, uint16_t queue_id, rte_mempool* pool);
    ~Stack();
    Stack(const Stack&) = delete;
    Stack& operator=(const Stack&) = delete;
    bool ok() const { return error_.empty(); }
    // Shares resolutions with the stacks of the port's other queues (see SharedNeighbors). Optional;
    // needed when the port has more than one queue. Set before the first packet.
    void set_shared_neighbors(SharedNeighbors* shared) { shared_ = shared; }
    const std::string& error() const { return error_; }

    // now = rte_get_tsc_cycles(). Returns true (and fills d) when m carries a UDP datagram for us; the
    // caller then owns d.m (the mbuf may differ from m after reassembly). Otherwise the stack took m.
    bool input(rte_mbuf* m, uint64_t now, UdpDatagram& d);

    // Sends the UDP payload in m (data = payload, headroom >= kTxHeaderRoom) from `from` to `to`.
    // Takes m in every case; failures are counted in drops.
    void send_udp(rte_mbuf* m, const net::Address& from, const net::Address& to, uint64_t now);
    // ICMP / ICMPv6 echo request (a diagnostic, and for tests); replies count in echo_replies_rx.
    bool send_ping(const net::Address& to, uint16_t id, uint16_t seq, uint64_t now);
    // Starts resolving ip (no-op when known or in progress).
    void resolve(const net::Address& ip, uint64_t now);
    // A permanent entry (no ARP / ND for it): for links without ARP, or to seed the stacks of the
    // other queues of a port with what queue 0 learned (ARP replies are not spread by RSS).
    void add_static_neighbor(const net::Address& ip, const Mac& mac, uint64_t now);

    // Retries and expiries of the neighbour cache and the reassembly table. Cheap; call every poll.
    void tick(uint64_t now);
    // rte_eth_tx_burst of everything queued; what the NIC refuses stays queued. Returns frames sent.
    uint32_t flush_tx();
    uint32_t tx_queued() const { return tx_count_; }

    bool is_local_ipv4(uint32_t net_order) const;
    bool is_local_ipv6(const uint8_t* ip) const;
    const NeighEntry* neighbor(const net::Address& ip) const;  // port ignored
    size_t neighbor_count() const { return neigh_.size(); }

    const StackConfig& config() const { return cfg_; }
    StackCounters& counters() { return c_; }
    const StackCounters& counters() const { return c_; }

  private:
    void drop(rte_mbuf* m, Drop why);
    bool handle_arp(rte_mbuf* m, uint64_t now);
    bool handle_ipv4(rte_mbuf* m, uint64_t now, UdpDatagram& d);
    bool handle_ipv6(rte_mbuf* m, uint64_t now, UdpDatagram& d);
    void handle_icmp4(rte_mbuf* m, uint32_t l3_off, uint32_t ihl);
    void handle_icmp6(rte_mbuf* m, uint64_t now);
    bool deliver_udp(rte_mbuf* m, uint32_t l4_off, uint32_t l4_len, const net::Address& src,
                     const net::Address& dst, bool v6, UdpDatagram& d);

    bool next_hop(const net::Address& to, NeighKey& nh);
    void output_ip(rte_mbuf* m, const NeighKey& nh, uint64_t now);     // m at the IP header
    void transmit_ip(rte_mbuf* m, const Mac& dst, bool v6);            // fragments if needed
    bool push_ether(rte_mbuf* m, const Mac& dst, uint16_t ethertype);  // false: m dropped
    void enqueue_tx(rte_mbuf* m);
    void learn(const NeighKey& k, const Mac& mac, uint64_t now, bool create);
    void send_request(const NeighKey& k);
    void send_arp_request(uint32_t target_net);
    void send_ns(const uint8_t* target);
    void send_na(const uint8_t* target, const uint8_t* to_ip, const Mac& to_mac, bool solicited);
    void fail_entry(NeighEntry& e, uint64_t now);
    uint32_t first_ipv4_net() const;

    StackConfig cfg_;
    uint16_t port_, queue_;
    rte_mempool* pool_;
    std::string error_;
    StackCounters c_;
    uint64_t hz_;
    uint64_t retry_cycles_, reachable_cycles_, failed_hold_cycles_;
    uint64_t next_tick_ = 0;
    uint16_t ip_id_ = 1;
    uint32_t frag6_id_ = 1;
    uint32_t net4_ = 0, mask4_ = 0;  // host order

    bool adopt_shared(const NeighKey& k, NeighEntry& e, uint64_t now);
    NeighTable neigh_;
    SharedNeighbors* shared_ = nullptr;
    uint32_t pending_total_ = 0;
    NeighKey memo_key_{};  // last reachable lookup (cleared when entries go)
    NeighEntry* memo_entry_ = nullptr;

    rte_ip_frag_tbl* frag_tbl_ = nullptr;
    rte_ip_frag_death_row death_row_{};

    rte_mbuf** tx_ = nullptr;
    uint32_t tx_count_ = 0;
};

}  // namespace sipstorm::dpdk
