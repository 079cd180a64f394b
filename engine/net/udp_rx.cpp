// UdpTransport receive path: recvmmsg into the ring, then split into RxPackets (one per datagram, or
// one per GRO segment), applying RX loss injection and collecting the kernel-drop counter.
#include <netinet/udp.h>
#include <poll.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/udp_transport.hpp"

namespace sipstorm::net {

namespace {

int64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

std::span<const RxPacket> UdpTransport::poll(int timeout_us) {
    // Finish a batch that did not fit last time before reading more: its buffers are still ours.
    if (rx_next_ < rx_ready_) return emit();
    uint32_t n = receive();
    if (n == 0 && timeout_us != 0) {
        if (busy_poll_) {
            if (busy_wait(timeout_us)) n = rx_ready_;
        } else if (wait_readable(timeout_us)) {
            n = receive();
        }
    }
    if (n == 0) return {};
    return emit();
}

uint32_t UdpTransport::receive() {
    // recvmmsg rewrites the lengths of the headers it filled; only those need restoring.
    for (uint32_t i = 0; i < rx_ready_; ++i) {
        rx_msgs_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
        rx_msgs_[i].msg_hdr.msg_controllen = sizeof(RxControl::buf);
    }
    rx_ready_ = rx_next_ = rx_offset_ = 0;
    rx_started_ = false;
    ++stats_.rx_syscalls;
    const int r = recvmmsg(fd_, rx_msgs_.data(), batch_, MSG_DONTWAIT, nullptr);
    if (r < 0) {
        // Errors queued by ICMP (ECONNREFUSED ...) are reported once and cleared: count and go on.
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ++stats_.rx_errors;
        return 0;
    }
    rx_ready_ = static_cast<uint32_t>(r);
    return rx_ready_;
}

bool UdpTransport::wait_readable(int timeout_us) const {
    pollfd p = {fd_, POLLIN, 0};
    timespec ts = {timeout_us / 1'000'000, (timeout_us % 1'000'000) * 1000L};
    return ppoll(&p, 1, timeout_us < 0 ? nullptr : &ts, nullptr) > 0;
}

bool UdpTransport::busy_wait(int timeout_us) {
    const int64_t deadline = timeout_us < 0 ? INT64_MAX : now_ns() + int64_t{timeout_us} * 1000;
    do {
        if (receive() > 0) return true;
    } while (now_ns() < deadline);
    return false;
}

void UdpTransport::start_message(uint32_t i) {
    msghdr& h = rx_msgs_[i].msg_hdr;
    rx_seg_ = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
            uint32_t drops;
            std::memcpy(&drops, CMSG_DATA(c), sizeof(drops));
            stats_.rx_drops_kernel += static_cast<uint32_t>(drops - rx_drops_seen_);
            rx_drops_seen_ = drops;
        } else if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
            int seg;
            std::memcpy(&seg, CMSG_DATA(c), sizeof(seg));
            if (seg > 0) rx_seg_ = static_cast<uint32_t>(seg);
        }
    }
    if (rx_seg_ != 0) ++udp_.gro_buffers;
    rx_from_ = Address::from_sockaddr(static_cast<const sockaddr*>(h.msg_name));
    rx_started_ = true;
}

std::span<const RxPacket> UdpTransport::emit() {
    const auto cap = static_cast<uint32_t>(rx_out_.size());
    uint32_t out = 0;
    auto deliver = [&](const char* data, uint32_t len) {
        if (rx_loss_.active() && rx_loss_.drop()) {
            ++stats_.loss_dropped_rx;
            return;
        }
        rx_out_[out++] = RxPacket{data, len, rx_from_};
        ++stats_.rx_packets;
        stats_.rx_bytes += len;
    };
    auto next_message = [&] {
        ++rx_next_;
        rx_offset_ = 0;
        rx_started_ = false;
    };
    while (rx_next_ < rx_ready_ && out < cap) {
        const mmsghdr& m = rx_msgs_[rx_next_];
        const char* base = static_cast<const char*>(rx_iov_[rx_next_].iov_base);
        if (!rx_started_) {
            start_message(rx_next_);
            // A datagram larger than the slot would reach the parser cut short: drop it whole.
            if (m.msg_hdr.msg_flags & MSG_TRUNC) {
                ++stats_.rx_errors;
                next_message();
                continue;
            }
            if (m.msg_len == 0) {
                deliver(base, 0);
                next_message();
                continue;
            }
        }
        const uint32_t seg = rx_seg_ != 0 ? rx_seg_ : m.msg_len;
        while (rx_offset_ < m.msg_len && out < cap) {
            const uint32_t len = std::min(seg, m.msg_len - rx_offset_);
            deliver(base + rx_offset_, len);
            rx_offset_ += len;
        }
        if (rx_offset_ >= m.msg_len) next_message();
    }
    return {rx_out_.data(), out};
}

}  // namespace sipstorm::net
