// DPDK UDP for one shard: one RX/TX queue pair of a started port (see eal.hpp), the user-space stack
// (stack/stack.hpp) on top, the net::Transport contract outside. Lcore-agnostic: whichever thread
// runs the shard calls poll() / alloc_tx() / flush(); nothing here locks. Threads that are not EAL
// lcores get no mempool cache; call rte_thread_register() on the shard thread to get one.
//
// RX: poll() runs rte_eth_rx_burst, feeds the stack (which answers ARP / NS / ping itself), and returns
// the UDP payloads sent to one of our addresses on our port as views into the mbufs; those mbufs are
// freed at the next poll(). A datagram that is not contiguous (reassembled from fragments) is copied
// into a per-transport buffer.
// TX: alloc_tx() hands out a slot of a per-transport staging area (batch x kMaxDatagram, always the
// same memory, so it stays in the CPU cache); flush() copies each message into an mbuf sized for it
// (kTxSmallData, or one of a few kMaxDatagram mbufs for larger ones), prepends the headers and sends
// in lane order (lane 0 of every message before lane 1 ...), resolving next hops through the ARP / ND
// cache; packets waiting for a resolution are queued (bounded) and leave when it completes in a later
// poll(). Why a copy: rendering straight into kMaxDatagram mbufs spread the packets in flight over
// several times the memory, and the cache and TLB misses that caused cost far more than copying ~500 bytes
// that are still in L1. An mbuf shortage drops the message (mbuf_alloc_failed, tx_errors); the call's
// retransmission timer covers it as it covers loss on the wire.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "dpdk/eal.hpp"
#include "dpdk/stack/stack.hpp"
#include "net/transport.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace sipstorm::dpdk {

struct DpdkOptions {
    uint16_t port_id = 0;
    uint16_t queue_id = 0;
    rte_mempool* rx_pool = nullptr;  // PortInfo::pool; also used for ARP / ND / fragment headers
    // Our addresses: "10.0.0.10-10.0.0.50,fd00::10" (see parse_local_ips). ARP / NS are answered for
    // all of them; local_address() and the source of sent datagrams is the first of each family.
    std::string local_ips;
    uint16_t local_port = 5060;
    Mac local_mac;         // zero = the port's MAC
    std::string gateway;   // IPv4 next hop for off-link targets, "" = none
    std::string gateway6;  // IPv6 next hop
    uint8_t prefix = 24, prefix6 = 64;
    uint16_t mtu = 0;                      // 0 = the port's
    uint32_t tx_mbufs = 4095;              // TX pool of this transport (mbufs of kTxSmallData + headroom)
    uint32_t tx_big_mbufs = 1023;          // and of kMaxDatagram, for messages above kTxSmallData
    uint32_t batch = 64;                   // RX burst and TX slots per flush
    bool hw_checksum = false;              // set from PortInfo::tx_*_cksum by the caller when wanted
    SharedNeighbors* neighbors = nullptr;  // one per port when it has several queues (see neighbor.hpp)
    StackConfig stack;  // the rest (cache timers, queue bounds); addresses are filled from above
};

// Messages up to this size (most SIP over UDP) take one small mbuf; larger ones a kMaxDatagram one.
inline constexpr uint32_t kTxSmallData = 1536;

class DpdkTransport final : public net::Transport {
  public:
    ~DpdkTransport() override;
    DpdkTransport(const DpdkTransport&) = delete;
    DpdkTransport& operator=(const DpdkTransport&) = delete;

    // timeout_us > 0 busy-polls up to that long for at least one datagram; 0 polls once; < 0 polls
    // until something arrives. The stack's own work (ARP answers, retries, queued TX) runs either way.
    std::span<const net::RxPacket> poll(int timeout_us) override;
    net::TxPacket* alloc_tx() override;
    void flush() override;
    net::Address local_address() const override { return local_; }
    const net::TransportStats& stats() const override { return stats_; }

    // For a shard loop written for UdpTransport: no descriptor to wait on (ppoll ignores -1; a DPDK
    // shard busy-polls), and nothing is buffered between polls.
    int fd() const { return -1; }
    net::Address local_address6() const { return local6_; }
    Stack& stack() { return *stack_; }
    const Stack& stack() const { return *stack_; }

  private:
    friend std::unique_ptr<DpdkTransport> open_dpdk(const DpdkOptions&, std::string*);
    DpdkTransport() = default;
    void release_rx();
    void sync_errors();  // tx_errors = ours + the stack's TX-side drops
    uint64_t own_tx_errors_ = 0;

    uint16_t port_ = 0, queue_ = 0;
    uint32_t batch_ = 64;
    net::Address local_, local6_;
    std::unique_ptr<Stack> stack_;
    rte_mempool* tx_pool_ = nullptr;      // kTxSmallData
    rte_mempool* tx_big_pool_ = nullptr;  // kMaxDatagram
    net::TransportStats stats_;

    std::vector<rte_mbuf*> rx_mbufs_;  // burst buffer
    std::vector<rte_mbuf*> rx_held_;   // delivered, freed on the next poll()
    std::vector<net::RxPacket> rx_out_;
    std::unique_ptr<char[]> rx_copy_;  // batch * kMaxDatagram, for chained datagrams
    uint32_t rx_copy_used_ = 0;

    std::vector<net::TxPacket> tx_;
    std::unique_ptr<char[]> tx_stage_;  // batch * kMaxDatagram: tx_[i].data
    std::vector<uint32_t> tx_order_;
    uint32_t tx_count_ = 0;
};

// Builds the stack on an already started port (setup_port) and creates the TX pool. On failure returns
// nullptr and says which option or step failed.
std::unique_ptr<DpdkTransport> open_dpdk(const DpdkOptions& opt, std::string* error);

}  // namespace sipstorm::dpdk
