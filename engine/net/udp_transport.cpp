#include "net/udp_transport.hpp"

#include <unistd.h>

namespace sipstorm::net {

namespace {

// Distinct streams for the two directions, so RX drops do not depend on how TX interleaves with them.
constexpr uint64_t kTxSeedSalt = 0x5851f42d4c957f2dULL;

}  // namespace

std::unique_ptr<UdpTransport> open_udp(const UdpOptions& opt, std::string* error) {
    if (opt.batch == 0 || opt.batch > kMaxBatch) {
        if (error != nullptr) *error = "udp: batch must be 1.." + std::to_string(kMaxBatch);
        return nullptr;
    }
    if (!(opt.loss_percent >= 0.0 && opt.loss_percent <= 100.0)) {
        if (error != nullptr) *error = "udp: loss percent must be 0..100";
        return nullptr;
    }
    UdpSocket sock = open_udp_socket(opt, error);
    if (sock.fd < 0) return nullptr;
    return std::unique_ptr<UdpTransport>(new UdpTransport(sock, opt));
}

UdpTransport::UdpTransport(const UdpSocket& sock, const UdpOptions& opt)
    : fd_(sock.fd),
      local_(sock.bound),
      batch_(opt.batch),
      gso_(sock.gso),
      gro_(sock.gro),
      busy_poll_(opt.busy_poll),
      rx_loss_(opt.loss_percent, opt.loss_seed),
      tx_loss_(opt.loss_percent, opt.loss_seed ^ kTxSeedSalt),
      // A coalesced GRO buffer can reach 64 KiB; a plain datagram is capped by the contract.
      rx_slot_size_(sock.gro ? kGroBufferSize : kMaxDatagram),
      rx_buf_(new char[size_t{batch_} * rx_slot_size_]),
      rx_msgs_(batch_),
      rx_iov_(batch_),
      rx_names_(batch_),
      rx_ctrl_(batch_),
      rx_out_(sock.gro ? size_t{batch_} * kGsoMaxSegments : batch_),
      tx_buf_(new char[size_t{batch_} * kMaxDatagram]),
      tx_(batch_),
      tx_scratch_(batch_),
      tx_msgs_(batch_),
      tx_iov_(batch_),
      tx_names_(batch_),
      tx_ctrl_(batch_),
      tx_msg_end_(batch_) {
    for (uint32_t i = 0; i < batch_; ++i) {
        rx_iov_[i] = {rx_buf_.get() + size_t{i} * rx_slot_size_, rx_slot_size_};
        msghdr& h = rx_msgs_[i].msg_hdr;
        h = {};
        h.msg_name = &rx_names_[i];
        h.msg_namelen = sizeof(sockaddr_storage);
        h.msg_iov = &rx_iov_[i];
        h.msg_iovlen = 1;
        h.msg_control = rx_ctrl_[i].buf;
        h.msg_controllen = sizeof(RxControl::buf);
        tx_[i].data = tx_buf_.get() + size_t{i} * kMaxDatagram;
    }
}

UdpTransport::~UdpTransport() {
    close(fd_);
}

}  // namespace sipstorm::net
