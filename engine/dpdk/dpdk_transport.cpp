#include "dpdk/dpdk_transport.hpp"

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <atomic>
#include <cstring>

namespace sipstorm::dpdk {

namespace {
std::atomic<uint32_t> g_pool_seq{0};

void prefetch_frame(const rte_mbuf* m) {
    const char* p = rte_pktmbuf_mtod(m, const char*);
    for (uint32_t off = 0; off < 512 && off < m->data_len; off += RTE_CACHE_LINE_SIZE) rte_prefetch0(p + off);
}
}  // namespace

std::unique_ptr<DpdkTransport> open_dpdk(const DpdkOptions& opt, std::string* error) {
    auto fail = [&](std::string msg) -> std::unique_ptr<DpdkTransport> {
        if (error)
            *error = "dpdk: port " + std::to_string(opt.port_id) + " queue " + std::to_string(opt.queue_id) +
                     ": " + msg;
        return nullptr;
    };
    if (!eal_running()) return fail("EAL is not running");
    if (!rte_eth_dev_is_valid_port(opt.port_id)) return fail("no such port");
    if (!opt.rx_pool) return fail("no RX mbuf pool (set rx_pool from setup_port)");
    StackConfig cfg = opt.stack;
    cfg.ipv4.clear();
    cfg.ipv6.clear();
    std::string err;
    if (!parse_local_ips(opt.local_ips, cfg, &err)) return fail(err);
    if (cfg.ipv4.empty() && cfg.ipv6.empty()) return fail("no local address");
    cfg.ipv4_prefix = opt.prefix;
    cfg.ipv6_prefix = opt.prefix6;
    cfg.ipv4_gateway = 0;
    if (!opt.gateway.empty() && !parse_ipv4(opt.gateway, cfg.ipv4_gateway))
        return fail("bad gateway " + opt.gateway);
    cfg.ipv6_gateway = {};
    if (!opt.gateway6.empty() && !parse_ipv6(opt.gateway6, cfg.ipv6_gateway))
        return fail("bad gateway6 " + opt.gateway6);
    cfg.udp_port = opt.local_port;
    cfg.mac = opt.local_mac;
    if (cfg.mac.is_zero()) {
        rte_ether_addr a{};
        if (rte_eth_macaddr_get(opt.port_id, &a) != 0) return fail("cannot read the port's MAC");
        std::memcpy(cfg.mac.b, a.addr_bytes, 6);
    }
    uint16_t mtu = opt.mtu;
    if (mtu == 0 && rte_eth_dev_get_mtu(opt.port_id, &mtu) != 0) mtu = 1500;
    cfg.mtu = mtu ? mtu : 1500;
    cfg.tx_ipv4_cksum_offload = opt.hw_checksum && cfg.tx_ipv4_cksum_offload;
    cfg.tx_udp_cksum_offload = opt.hw_checksum && cfg.tx_udp_cksum_offload;

    std::unique_ptr<DpdkTransport> t(new DpdkTransport());
    t->port_ = opt.port_id;
    t->queue_ = opt.queue_id;
    t->batch_ = std::clamp<uint32_t>(opt.batch, 1, 512);
    if (!cfg.ipv4.empty()) {
        t->local_.family = AF_INET;
        t->local_.port = opt.local_port;
        uint32_t v = rte_cpu_to_be_32(cfg.ipv4.front().lo);
        std::memcpy(t->local_.ip, &v, 4);
    }
    if (!cfg.ipv6.empty()) {
        t->local6_.family = AF_INET6;
        t->local6_.port = opt.local_port;
        std::memcpy(t->local6_.ip, cfg.ipv6.front().data(), 16);
    }
    if (t->local_.family == 0) t->local_ = t->local6_;

    t->stack_ = std::make_unique<Stack>(cfg, opt.port_id, opt.queue_id, opt.rx_pool);
    if (!t->stack_->ok()) return fail(t->stack_->error());
    t->stack_->set_shared_neighbors(opt.neighbors);

    int socket = rte_eth_dev_socket_id(opt.port_id);
    if (socket < 0) socket = SOCKET_ID_ANY;
    static_assert(RTE_PKTMBUF_HEADROOM >= kTxHeaderRoom);
    // A per-lcore cache makes the pool LIFO for the thread that sends: a message goes into an mbuf
    // that was freed moments ago and is still in the CPU cache. Without one the pool hands them out
    // in ring order, each one cold. Threads that are not EAL lcores (rte_thread_register) bypass it.
    auto create = [&](const char* kind, uint32_t count, uint32_t data) {
        const std::string name = std::string("sstx") + kind + "_" + std::to_string(opt.port_id) + "_" +
                                 std::to_string(opt.queue_id) + "_" + std::to_string(g_pool_seq.fetch_add(1));
        const uint32_t n = std::max<uint32_t>(count, 2 * t->batch_);
        const uint32_t cache = std::min<uint32_t>({RTE_MEMPOOL_CACHE_MAX_SIZE, n * 2 / 3});
        return rte_pktmbuf_pool_create(name.c_str(), n, cache, 0, uint16_t(RTE_PKTMBUF_HEADROOM + data),
                                       socket);
    };
    t->tx_pool_ = create("", opt.tx_mbufs, kTxSmallData);
    if (t->tx_pool_) t->tx_big_pool_ = create("b", opt.tx_big_mbufs, net::kMaxDatagram);
    if (!t->tx_pool_ || !t->tx_big_pool_)
        return fail("TX pools of " + std::to_string(opt.tx_mbufs) + " + " + std::to_string(opt.tx_big_mbufs) +
                    " mbufs: " + rte_strerror(rte_errno) + " (raise -m or lower tx_mbufs)");

    t->rx_mbufs_.resize(t->batch_);
    t->rx_held_.reserve(t->batch_);
    t->rx_out_.reserve(t->batch_);
    t->rx_copy_ = std::make_unique<char[]>(size_t(t->batch_) * net::kMaxDatagram);
    t->tx_.resize(t->batch_);
    t->tx_stage_ = std::make_unique<char[]>(size_t(t->batch_) * net::kMaxDatagram);
    for (uint32_t i = 0; i < t->batch_; ++i)
        t->tx_[i].data = t->tx_stage_.get() + size_t(i) * net::kMaxDatagram;
    t->tx_order_.resize(t->batch_);
    return t;
}

DpdkTransport::~DpdkTransport() {
    release_rx();
    stack_.reset();  // frees its queues (some mbufs come from the TX pools)
    // The NIC (or, on net_ring, the peer) may still hold mbufs of a TX pool: free a pool only when
    // all are back, else leave it to the process's end.
    for (rte_mempool* p : {tx_pool_, tx_big_pool_})
        if (p && rte_mempool_full(p)) rte_mempool_free(p);
}

void DpdkTransport::release_rx() {
    for (rte_mbuf* m : rx_held_) rte_pktmbuf_free(m);
    rx_held_.clear();
    rx_out_.clear();
    rx_copy_used_ = 0;
}

std::span<const net::RxPacket> DpdkTransport::poll(int timeout_us) {
    release_rx();
    const uint64_t start = rte_get_tsc_cycles();
    const uint64_t limit = timeout_us > 0 ? start + rte_get_tsc_hz() / 1000000 * uint64_t(timeout_us) : 0;
    for (;;) {
        uint64_t now = rte_get_tsc_cycles();
        uint16_t n = rte_eth_rx_burst(port_, queue_, rx_mbufs_.data(), uint16_t(batch_));
        ++stats_.rx_syscalls;  // bursts, the DPDK counterpart
        // The frames are cold (written by the NIC, or on net_ring by the peer a while ago): start
        // fetching a few packets ahead, headers and the start of the payload, so the stack's checks
        // and checksum do not wait on memory one packet at a time.
        // The mbuf header itself is needed to find the data, so it is fetched further ahead.
        constexpr uint16_t kAhead = 4;
        for (uint16_t i = 0; i < n && i < 2 * kAhead; ++i) rte_prefetch0(rx_mbufs_[i]);
        for (uint16_t i = 0; i < n && i < kAhead; ++i) prefetch_frame(rx_mbufs_[i]);
        for (uint16_t i = 0; i < n; ++i) {
            if (i + 2 * kAhead < n) rte_prefetch0(rx_mbufs_[i + 2 * kAhead]);
            if (i + kAhead < n) prefetch_frame(rx_mbufs_[i + kAhead]);
            UdpDatagram d;
            if (!stack_->input(rx_mbufs_[i], now, d)) continue;
            rx_held_.push_back(d.m);
            net::RxPacket p;
            p.from = d.from;
            p.len = d.len;
            if (d.data) {
                p.data = d.data;
            } else if (d.len <= net::kMaxDatagram) {
                char* dst = rx_copy_.get() + size_t(rx_copy_used_) * net::kMaxDatagram;
                ++rx_copy_used_;
                const void* src = rte_pktmbuf_read(d.m, d.offset, d.len, dst);
                p.data = static_cast<const char*>(src);
            } else {
                ++stats_.rx_errors;
                continue;
            }
            ++stats_.rx_packets;
            stats_.rx_bytes += p.len;
            rx_out_.push_back(p);
        }
        stack_->tick(now);
        stack_->flush_tx();
        if (!rx_out_.empty() || timeout_us == 0) break;
        if (timeout_us > 0 && rte_get_tsc_cycles() >= limit) break;
        rte_pause();
    }
    sync_errors();
    return {rx_out_.data(), rx_out_.size()};
}

net::TxPacket* DpdkTransport::alloc_tx() {
    if (tx_count_ == batch_) return nullptr;
    net::TxPacket& p = tx_[tx_count_++];
    p.len = 0;
    p.to = net::Address{};
    p.lane = 0;
    return &p;
}

void DpdkTransport::flush() {
    const uint32_t n = tx_count_;
    // Lane order, stable within a lane: a counting pass per lane.
    uint32_t k = 0;
    uint8_t max_lane = 0;
    for (uint32_t i = 0; i < n; ++i) max_lane = std::max(max_lane, tx_[i].lane);
    for (uint8_t lane = 0; lane <= max_lane; ++lane)
        for (uint32_t i = 0; i < n; ++i)
            if (tx_[i].lane == lane) tx_order_[k++] = i;
    const uint64_t now = rte_get_tsc_cycles();
    for (uint32_t j = 0; j < k; ++j) {
        const net::TxPacket& p = tx_[tx_order_[j]];
        if (p.len == 0) continue;
        const net::Address& from = p.to.family == AF_INET6 ? local6_ : local_;
        if (p.len > net::kMaxDatagram || from.family != p.to.family) {
            ++own_tx_errors_;
            continue;
        }
        rte_mbuf* m = rte_pktmbuf_alloc(p.len <= kTxSmallData ? tx_pool_ : tx_big_pool_);
        if (!m) {
            ++stack_->counters().mbuf_alloc_failed;
            ++own_tx_errors_;
            continue;
        }
        std::memcpy(rte_pktmbuf_mtod(m, char*), p.data, p.len);
        m->data_len = uint16_t(p.len);
        m->pkt_len = p.len;
        ++stats_.tx_packets;
        stats_.tx_bytes += p.len;
        stack_->send_udp(m, from, p.to, now);
    }
    tx_count_ = 0;
    stack_->flush_tx();
    ++stats_.tx_syscalls;
    sync_errors();
}

void DpdkTransport::sync_errors() {
    const StackCounters& c = stack_->counters();
    stats_.tx_errors = own_tx_errors_ + c.drop(Drop::kNoRoute) + c.drop(Drop::kUnresolved) +
                       c.drop(Drop::kPendingFull) + c.drop(Drop::kTxFull) + c.drop(Drop::kTooBig) +
                       c.drop(Drop::kFragment);
}

}  // namespace sipstorm::dpdk
