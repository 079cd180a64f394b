// UdpTransport send path: TX slots are grouped into messages (a GSO super-datagram for a run of equal
// datagrams to one peer, else one datagram each) and handed to sendmmsg.
#include <netinet/udp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/udp_transport.hpp"

namespace sipstorm::net {

TxPacket* UdpTransport::alloc_tx() {
    if (tx_count_ == batch_) return nullptr;
    TxPacket* p = &tx_[tx_count_++];
    p->len = 0;
    p->lane = 0;
    return p;
}

// Each slot is judged once, even when it stays behind after EAGAIN: a retried datagram must not get a
// second chance at being "lost". Slots keep their buffers; only their order changes.
void UdpTransport::screen_new_packets() {
    const uint32_t first = tx_screened_;
    uint32_t keep = tx_screened_;
    uint32_t lanes_used = 0;
    for (uint32_t i = tx_screened_; i < tx_count_; ++i) {
        const TxPacket& p = tx_[i];
        if (p.len == 0) continue;  // the caller gave up on this one
        // Caught here rather than by the kernel, so that EINVAL on a GSO send can only mean GSO.
        const bool valid =
            p.len <= kMaxDatagram && (p.to.family == AF_INET || p.to.family == AF_INET6) && p.to.port != 0;
        if (!valid) {
            ++stats_.tx_errors;
        } else if (tx_loss_.active() && tx_loss_.drop()) {
            ++stats_.loss_dropped_tx;
        } else {
            lanes_used |= 1u << std::min<uint8_t>(p.lane, kTxLanes - 1);
            std::swap(tx_[keep++], tx_[i]);
        }
    }
    tx_count_ = keep;
    tx_screened_ = keep;
    if (lanes_used > 1) order_by_lane(first, keep);
}

// A stable counting sort of [first, end) by lane, through the preallocated scratch array.
void UdpTransport::order_by_lane(uint32_t first, uint32_t end) {
    uint32_t n = 0;
    for (uint8_t lane = 0; lane < kTxLanes; ++lane)
        for (uint32_t i = first; i < end; ++i)
            if (std::min<uint8_t>(tx_[i].lane, kTxLanes - 1) == lane) tx_scratch_[n++] = tx_[i];
    std::copy(tx_scratch_.begin(), tx_scratch_.begin() + n, tx_.begin() + first);
}

// A run is equal lengths to one peer; the kernel also accepts one shorter datagram at its end.
uint32_t UdpTransport::run_end(uint32_t a) const {
    const uint32_t seg = tx_[a].len;
    if (!gso_ || seg == 0 || seg > gso_max_seg_) return a + 1;
    uint32_t b = a + 1;
    uint32_t total = seg;
    while (b < tx_count_ && b - a < kGsoMaxSegments) {
        const TxPacket& p = tx_[b];
        if (p.len == 0 || p.len > seg || total + p.len > kGsoMaxBytes || !(p.to == tx_[a].to)) break;
        total += p.len;
        ++b;
        if (p.len < seg) break;
    }
    return b;
}

uint32_t UdpTransport::build_messages(uint32_t pos) {
    uint32_t m = 0;
    while (pos < tx_count_ && m < batch_) {
        const uint32_t end = run_end(pos);
        for (uint32_t k = pos; k < end; ++k) tx_iov_[k] = {tx_[k].data, tx_[k].len};
        msghdr& h = tx_msgs_[m].msg_hdr;
        h = {};
        h.msg_name = &tx_names_[m];
        h.msg_namelen = tx_[pos].to.to_sockaddr(tx_names_[m]);
        h.msg_iov = &tx_iov_[pos];
        h.msg_iovlen = end - pos;
        if (end - pos > 1) {
            h.msg_control = tx_ctrl_[m].buf;
            h.msg_controllen = sizeof(TxControl::buf);
            cmsghdr* c = CMSG_FIRSTHDR(&h);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            const auto seg = static_cast<uint16_t>(tx_[pos].len);
            std::memcpy(CMSG_DATA(c), &seg, sizeof(seg));
        }
        tx_msg_end_[m++] = end;
        pos = end;
    }
    return m;
}

void UdpTransport::flush() {
    screen_new_packets();
    uint32_t pos = 0;
    while (pos < tx_count_) {
        const uint32_t msgs = build_messages(pos);
        ++stats_.tx_syscalls;
        const int r = sendmmsg(fd_, tx_msgs_.data(), msgs, MSG_DONTWAIT);
        if (r > 0) {
            for (int i = 0; i < r; ++i) {
                const uint32_t end = tx_msg_end_[i];
                if (end - pos > 1) {
                    ++udp_.gso_sends;
                    udp_.gso_segments += end - pos;
                }
                stats_.tx_packets += end - pos;
                stats_.tx_bytes += tx_msgs_[i].msg_len;
                pos = end;
            }
            continue;
        }
        const int err = errno;
        if (err == EINTR) continue;
        if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) break;
        const uint32_t end = tx_msg_end_[0];
        if (end - pos > 1 && (err == EIO || err == EINVAL)) {
            // EIO: the route's device cannot checksum segments, GSO is useless there. EINVAL: this
            // segment size does not fit the path MTU; smaller ones may. Either way retry unsegmented.
            ++udp_.gso_fallbacks;
            if (err == EIO) gso_ = false;
            gso_max_seg_ = tx_[pos].len - 1;
            continue;
        }
        stats_.tx_errors += end - pos;
        pos = end;
    }
    // Move the unsent tail to the front so the next flush() sends it first, in order.
    std::rotate(tx_.begin(), tx_.begin() + pos, tx_.begin() + tx_count_);
    tx_count_ -= pos;
    tx_screened_ = tx_count_;
}

}  // namespace sipstorm::net
