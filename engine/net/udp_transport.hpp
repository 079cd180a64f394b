// Kernel UDP for one shard: one non-blocking socket, recvmmsg into a preallocated ring, sendmmsg from
// preallocated TX slots, UDP GSO for runs of equal datagrams to one peer, optional UDP GRO on receive.
// Everything is allocated in open_udp(); poll(), alloc_tx() and flush() never allocate, lock or throw.
//
// TX back-pressure: when the socket's send buffer is full (EAGAIN/ENOBUFS), flush() keeps the unsent
// tail in the TX slots, in order, for the next flush(). The tail is bounded by the batch size:
// while it fills every slot, alloc_tx() returns nullptr and the caller decides whether to wait or
// drop. Any other send error (ECONNREFUSED, ENETUNREACH, EMSGSIZE ...) drops only the datagrams of
// the failing message and counts them in tx_errors; receive errors are counted in rx_errors. Neither
// ever stops the loop.
#pragma once
#include <sys/socket.h>
#include <sys/uio.h>

#include <memory>
#include <string>
#include <vector>

#include "net/loss.hpp"
#include "net/transport.hpp"
#include "net/udp_options.hpp"
#include "net/udp_socket.hpp"

namespace sipstorm::net {

// Linux limits: at most 64 segments per GSO send on older kernels, a UDP length that fits 16 bits.
inline constexpr uint32_t kGsoMaxSegments = 64;
inline constexpr uint32_t kGsoMaxBytes = 65507;
inline constexpr uint32_t kGroBufferSize = 65536;
inline constexpr uint32_t kMaxBatch = 1024;

struct UdpCounters {
    uint64_t gso_sends = 0;      // super-datagrams handed to the kernel
    uint64_t gso_segments = 0;   // datagrams carried by them
    uint64_t gso_fallbacks = 0;  // GSO sends refused (EIO/EINVAL) and retried without
    uint64_t gro_buffers = 0;    // received buffers that held coalesced datagrams
};

class UdpTransport final : public Transport {
  public:
    ~UdpTransport() override;
    UdpTransport(const UdpTransport&) = delete;
    UdpTransport& operator=(const UdpTransport&) = delete;

    // timeout_us < 0 waits without limit, 0 never blocks. May return empty before the timeout when
    // everything that arrived was taken by loss injection or was too large. With GRO, one kernel batch
    // can hold more datagrams than fit one return; the rest come from the next poll(), before any read.
    std::span<const RxPacket> poll(int timeout_us) override;
    TxPacket* alloc_tx() override;
    void flush() override;
    Address local_address() const override { return local_; }
    const TransportStats& stats() const override { return stats_; }

    // For a shard that waits on several sources in one epoll: check rx_pending() first, since datagrams
    // already read from the socket do not make it readable.
    int fd() const { return fd_; }
    int wait_fd() const override { return fd_; }
    bool rx_pending() const override { return rx_next_ < rx_ready_; }
    bool gso_enabled() const { return gso_; }
    bool gro_enabled() const { return gro_; }
    uint32_t tx_pending() const { return tx_count_; }  // allocated or retained, not yet sent
    const UdpCounters& udp_counters() const { return udp_; }

  private:
    friend std::unique_ptr<UdpTransport> open_udp(const UdpOptions&, std::string*);
    struct alignas(cmsghdr) RxControl {
        char buf[CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(int)) + 32];
    };
    struct alignas(cmsghdr) TxControl {
        char buf[CMSG_SPACE(sizeof(uint16_t))];
    };

    UdpTransport(const UdpSocket& sock, const UdpOptions& opt);

    // RX (udp_rx.cpp)
    uint32_t receive();
    bool wait_readable(int timeout_us) const;
    bool busy_wait(int timeout_us);
    std::span<const RxPacket> emit();
    void start_message(uint32_t i);

    // TX (udp_tx.cpp)
    void screen_new_packets();
    void order_by_lane(uint32_t first, uint32_t end);
    uint32_t build_messages(uint32_t pos);
    uint32_t run_end(uint32_t a) const;

    int fd_;
    Address local_;
    uint32_t batch_;
    bool gso_, gro_, busy_poll_;
    uint32_t gso_max_seg_ = kMaxDatagram;  // lowered when the path refuses a segment size
    TransportStats stats_;
    UdpCounters udp_;
    LossInjector rx_loss_, tx_loss_;

    uint32_t rx_slot_size_;
    std::unique_ptr<char[]> rx_buf_;
    std::vector<mmsghdr> rx_msgs_;
    std::vector<iovec> rx_iov_;
    std::vector<sockaddr_storage> rx_names_;
    std::vector<RxControl> rx_ctrl_;
    std::vector<RxPacket> rx_out_;
    uint32_t rx_ready_ = 0;   // messages filled by the last recvmmsg
    uint32_t rx_next_ = 0;    // the message being split into RxPackets
    uint32_t rx_offset_ = 0;  // bytes of it already handed out (GRO buffers can span polls)
    uint32_t rx_seg_ = 0;     // its GRO segment size, 0 = one datagram
    bool rx_started_ = false;
    Address rx_from_;
    uint32_t rx_drops_seen_ = 0;  // last SO_RXQ_OVFL value, a 32-bit running count

    std::unique_ptr<char[]> tx_buf_;
    std::vector<TxPacket> tx_;
    std::vector<TxPacket> tx_scratch_;  // order_by_lane()
    uint32_t tx_count_ = 0;             // slots handed out or retained
    uint32_t tx_screened_ = 0;          // leading slots already past validation and loss
    std::vector<mmsghdr> tx_msgs_;
    std::vector<iovec> tx_iov_;
    std::vector<sockaddr_storage> tx_names_;
    std::vector<TxControl> tx_ctrl_;
    std::vector<uint32_t> tx_msg_end_;  // slot index after each built message
};

// Opens and binds the socket and preallocates the rings. On failure returns nullptr and, when error is
// not null, a message naming the step and the reason ("udp: bind 127.0.0.1:5060: Address already in use").
std::unique_ptr<UdpTransport> open_udp(const UdpOptions& opt, std::string* error);

}  // namespace sipstorm::net
