// StreamTransport: sending (routing flows to connections, gathered writes, output buffers).
#include "net/stream_transport.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "net/stream_errors.hpp"
#include "net/stream_framer.hpp"
#include "net/tls_session.hpp"
#include "runtime/clock.hpp"

namespace sipstorm::net {

using namespace stream_detail;

TxPacket* StreamTransport::alloc_tx() {
    if (tx_count_ >= opt_.batch) return nullptr;
    TxPacket* p = &tx_[tx_count_++];
    p->len = 0;
    p->lane = 0;
    p->flow = 0;
    return p;
}

uint32_t StreamTransport::route(const TxPacket& p, uint64_t now_ns) {
    if (p.flow & kConnectionFlow) return conn_of_flow(p.flow);
    char err[192];
    if (pool_.empty()) {  // a connection per call
        const uint32_t slot = static_cast<uint32_t>(p.flow);
        if (slot >= flows_.size()) flows_.resize(std::max<size_t>(slot + 1, flows_.size() * 2));
        FlowSlot& fs = flows_[slot];
        if (fs.flow == p.flow && fs.conn != kNone) return fs.conn;
        const uint32_t id = connect_to(p.to, now_ns, err, sizeof(err));
        if (id == kNone) {
            add_fault(p.flow, 0, err);
            return kNone;
        }
        conns_[id].flow = p.flow;
        flows_[slot] = {p.flow, id};
        return id;
    }
    const uint32_t k = static_cast<uint32_t>(p.flow % pool_.size());
    PoolSlot& ps = pool_[k];
    if (ps.conn != kNone) return ps.conn;
    remote_ = p.to;
    if (ps.failures > opt_.reconnect) {
        snprintf(err, sizeof(err), "%.80s (gave up after %u reconnects)", ps.last_error, opt_.reconnect);
        add_fault(p.flow, 0, err);
        return kNone;
    }
    if (ps.retry_ns && now_ns < ps.retry_ns) {  // the failure that is being retried
        add_fault(p.flow, 0, ps.last_error);
        return kNone;
    }
    const uint32_t id = connect_to(p.to, now_ns, err, sizeof(err));
    if (id == kNone) {
        ++ps.failures;
        ps.retry_ns = now_ns + (kHousekeepingNs << std::min<uint32_t>(ps.failures - 1, 6));
        snprintf(ps.last_error, sizeof(ps.last_error), "%.111s", err);
        add_fault(p.flow, 0, err);
        return kNone;
    }
    if (ps.retry_ns) ++sstats_.reconnects;
    ps.conn = id;
    conns_[id].pool_slot = k;
    return id;
}

void StreamTransport::flush() {
    if (tx_count_ == 0) return;
    const uint64_t now = runtime::now_ns();
    touched_.clear();
    for (uint32_t i = 0; i < tx_count_; ++i) {
        const TxPacket& p = tx_[i];
        if (p.len == 0) continue;
        const uint32_t id = route(p, now);
        if (id == kNone) {
            ++stats_.tx_errors;
            continue;
        }
        Conn& c = conns_[id];
        tx_next_[i] = kNone;
        if (c.tx_head == kNone) {
            c.tx_head = c.tx_tail = i;
            touched_.push_back(id);
        } else {
            tx_next_[c.tx_tail] = i;
            c.tx_tail = i;
        }
    }
    for (uint32_t id : touched_) send_chain(id, now);
    tx_count_ = 0;
}

void StreamTransport::send_chain(uint32_t id, uint64_t now_ns) {
    Conn& c = conns_[id];
    uint32_t i = c.tx_head;
    c.tx_head = c.tx_tail = kNone;
    if (c.state == State::kFree) return;
    c.active_ns = now_ns;
    // Straight to the kernel when nothing waits before these messages; TLS goes through `out`.
    if (c.state == State::kOpen && c.out.size() == c.out_off && !c.tls) {
        while (i != kNone) {
            iovec iov[64];
            int n = 0;
            size_t total = 0;
            for (uint32_t j = i; j != kNone && n < 64; j = tx_next_[j]) {
                iov[n++] = {tx_[j].data, tx_[j].len};
                total += tx_[j].len;
            }
            int err = 0;
            const long w = write_some(c, iov, n, err);
            if (err) {
                char text[192];
                snprintf(text, sizeof(text), "%s: %s (%s)", "TCP", text_of(err), c.peer.to_string().c_str());
                stats_.tx_errors += static_cast<uint64_t>(n);
                return fail(id, error_of(err), text, now_ns);
            }
            stats_.tx_bytes += static_cast<uint64_t>(w);
            stats_.tx_packets += static_cast<uint64_t>(n);
            size_t done = static_cast<size_t>(w);
            for (int k = 0; k < n; ++k, i = tx_next_[i]) {
                if (done >= iov[k].iov_len) {
                    done -= iov[k].iov_len;
                    continue;
                }
                queue_output(c, static_cast<const char*>(iov[k].iov_base) + done, iov[k].iov_len - done,
                             now_ns);
                done = 0;
            }
            if (static_cast<size_t>(w) < total) break;
        }
    }
    for (; i != kNone; i = tx_next_[i]) {
        queue_output(c, tx_[i].data, tx_[i].len, now_ns);
        ++stats_.tx_packets;
    }
    if (c.out.size() - c.out_off > opt_.max_output) {
        char text[192];
        snprintf(text, sizeof(text), "%s: the peer does not read (%s queued for %s)",
                 opt_.tls ? "TLS" : "TCP", std::to_string(c.out.size() - c.out_off).c_str(),
                 c.peer.to_string().c_str());
        return fail(id, ConnError::kSlowPeer, text, now_ns);
    }
    if (c.state == State::kOpen && c.out.size() != c.out_off) drain_output(id, now_ns);
}

void StreamTransport::queue_output(Conn& c, const char* data, size_t len, uint64_t now_ns) {
    if (c.out_off == c.out.size()) {
        c.out.clear();
        c.out_off = 0;
        c.out_since_ns = now_ns;
    } else if (c.out_off > 64 * 1024 && c.out_off > c.out.size() / 2) {
        c.out.erase(c.out.begin(), c.out.begin() + static_cast<long>(c.out_off));
        c.out_off = 0;
    }
    c.out.insert(c.out.end(), data, data + len);
}

long StreamTransport::write_some(Conn& c, const iovec* iov, int n, int& err) {
    if (c.tls) {
        long total = 0;
        for (int k = 0; k < n; ++k) {
            const long w = c.tls->write(static_cast<const char*>(iov[k].iov_base), iov[k].iov_len, err);
            if (w > 0) total += w;
            if (err || static_cast<size_t>(w) < iov[k].iov_len) break;
        }
        return total;
    }
    msghdr m{};
    m.msg_iov = const_cast<iovec*>(iov);
    m.msg_iovlen = static_cast<size_t>(n);
    const ssize_t w = sendmsg(c.fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
    ++stats_.tx_syscalls;
    if (w >= 0) return w;
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) err = errno;
    return 0;
}

bool StreamTransport::drain_output(uint32_t id, uint64_t now_ns) {
    Conn& c = conns_[id];
    while (c.out_off < c.out.size()) {
        iovec iov{c.out.data() + c.out_off, c.out.size() - c.out_off};
        int err = 0;
        const long w = write_some(c, &iov, 1, err);
        if (err) {
            char text[192];
            snprintf(text, sizeof(text), "%s: %s (%s)", opt_.tls ? "TLS" : "TCP",
                     c.tls ? c.tls->error() : text_of(err), c.peer.to_string().c_str());
            fail(id, c.tls && c.tls->certificate_error() ? ConnError::kCertificate : error_of(err), text,
                 now_ns);
            return false;
        }
        if (w <= 0) {
            set_events(id, true);
            return true;
        }
        c.out_off += static_cast<size_t>(w);
        c.out_since_ns = now_ns;
        stats_.tx_bytes += static_cast<uint64_t>(w);
    }
    c.out.clear();
    c.out_off = 0;
    if (c.out.capacity() > 64 * 1024) std::vector<char>().swap(c.out);
    set_events(id, false);
    if (c.state == State::kClosing) close_conn(id);
    return true;
}

void StreamTransport::send_raw(uint32_t id, std::string_view bytes, uint64_t now_ns) {
    Conn& c = conns_[id];
    queue_output(c, bytes.data(), bytes.size(), now_ns);
    c.active_ns = now_ns;
    if (c.state == State::kOpen) drain_output(id, now_ns);
}

}  // namespace sipstorm::net
