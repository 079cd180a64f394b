// StreamTransport: receiving (poll, reads, framing). See stream_transport.hpp.
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

std::span<const RxPacket> StreamTransport::poll(int timeout_us) {
    const uint64_t now = runtime::now_ns();
    for (uint32_t id : freeing_) free_.push_back(id);
    freeing_.clear();
    scratch_used_ = 0;
    rx_out_.clear();
    if (now >= next_housekeeping_ns_) {
        next_housekeeping_ns_ = now + kHousekeepingNs;
        housekeeping(now);
    }
    // Messages left over from a full batch come before anything new.
    if (!backlog_.empty()) {
        backlog_work_.clear();
        backlog_work_.swap(backlog_);  // both keep their capacity: no allocation per poll
        for (uint32_t id : backlog_work_) {
            Conn& c = conns_[id];
            c.in_backlog = false;
            if (c.state == State::kFree) continue;
            if (rx_out_.size() >= opt_.batch) {
                c.in_backlog = true;
                backlog_.push_back(id);
                continue;
            }
            service(id, true, now);  // TLS may hold decrypted bytes the socket no longer signals
        }
    }
    if (rx_out_.size() < opt_.batch) {
        const int wait_ms = !rx_out_.empty() || timeout_us == 0 ? 0
                            : timeout_us < 0                    ? -1
                                                                : (timeout_us + 999) / 1000;
        const int n = epoll_wait(epoll_, events_.data(), static_cast<int>(events_.size()), wait_ms);
        ++stats_.rx_syscalls;
        for (int i = 0; i < n && rx_out_.size() < opt_.batch; ++i) {
            const epoll_event& e = events_[static_cast<size_t>(i)];
            if (e.data.u64 == kTimerTag) {
                uint64_t ticks;
                if (read(timer_, &ticks, sizeof(ticks)) < 0) {
                }
                continue;
            }
            if (e.data.u64 == kListenTag) {
                accept_all(now);
                continue;
            }
            const uint32_t id = static_cast<uint32_t>(e.data.u64);
            if (id >= conns_.size() || conns_[id].gen != static_cast<uint32_t>(e.data.u64 >> 32)) continue;
            Conn& c = conns_[id];
            switch (c.state) {
                case State::kFree:
                    continue;
                case State::kConnecting: {
                    int err = 0;
                    socklen_t len = sizeof(err);
                    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
                    if (err == 0 && !(e.events & (EPOLLERR | EPOLLHUP))) {
                        on_connected(id, now);
                    } else {
                        if (err == 0) err = ECONNREFUSED;
                        char text[192];
                        snprintf(text, sizeof(text), "%s: %s (%s)", opt_.tls ? "TLS" : "TCP", text_of(err),
                                 c.peer.to_string().c_str());
                        fail(id, error_of(err), text, now);
                    }
                    continue;
                }
                case State::kHandshake:
                    drive_handshake(id, now);
                    continue;
                case State::kOpen:
                case State::kClosing:
                    break;
            }
            if ((e.events & EPOLLOUT) && !drain_output(id, now)) continue;
            if (conns_[id].state != State::kFree && (e.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
                service(id, true, now);
        }
    }
    stats_.rx_packets += rx_out_.size();
    return rx_out_;
}

long StreamTransport::read_some(Conn& c, char* buf, size_t room, bool& eof, int& err) {
    if (c.tls) return c.tls->read(buf, room, eof, err);
    const ssize_t r = recv(c.fd, buf, room, 0);
    ++stats_.rx_syscalls;
    if (r > 0) return r;
    if (r == 0) {
        eof = true;
        return 0;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) err = errno;
    return 0;
}

void StreamTransport::service(uint32_t id, bool readable, uint64_t now_ns) {
    Conn& c = conns_[id];
    const size_t room = scratch_.size() - scratch_used_;
    if (room < c.in.size() + 4096) {  // the scratch is used up for this poll: next one
        if (!c.in.empty() && !c.in_backlog) {
            c.in_backlog = true;
            backlog_.push_back(id);
        }
        return;
    }
    char* base = scratch_.data() + scratch_used_;
    size_t len = c.in.size();
    if (len) std::memcpy(base, c.in.data(), len);
    if (c.in.capacity() > 16 * 1024) std::vector<char>().swap(c.in);  // idle connections keep no buffer
    c.in.clear();
    bool eof = false;
    int err = 0;
    if (readable) {
        const long r = read_some(c, base + len, std::min(room - len, kReadChunk), eof, err);
        if (r > 0) {
            len += static_cast<size_t>(r);
            stats_.rx_bytes += static_cast<uint64_t>(r);
            c.active_ns = now_ns;
        }
    }
    scratch_used_ += len;
    frame(id, base, len, now_ns);
    if (conns_[id].state == State::kFree) return;
    if (c.tls && c.tls->pending() && !c.in_backlog) {  // more plaintext than this read took
        c.in_backlog = true;
        backlog_.push_back(id);
    }
    if (err) {
        char text[192];
        snprintf(text, sizeof(text), "%s: %s (%s)", opt_.tls ? "TLS" : "TCP",
                 c.tls ? c.tls->error() : text_of(err), c.peer.to_string().c_str());
        fail(id, c.tls && c.tls->certificate_error() ? ConnError::kCertificate : error_of(err), text, now_ns);
    } else if (eof) {
        char text[192];
        snprintf(text, sizeof(text), "%s: connection closed by the peer (%s)", opt_.tls ? "TLS" : "TCP",
                 c.peer.to_string().c_str());
        fail(id, ConnError::kClosedByPeer, text, now_ns);
    }
}

void StreamTransport::frame(uint32_t id, char* base, size_t len, uint64_t now_ns) {
    Conn& c = conns_[id];
    size_t off = 0;
    uint32_t scan = c.in_scan;
    bool more = false;  // stopped on a full batch with bytes left
    while (off < len) {
        if (rx_out_.size() >= opt_.batch) {
            more = true;
            break;
        }
        const Frame f =
            frame_stream(std::string_view(base + off, len - off), c.awaiting_pong, opt_.max_message, scan);
        const char* why = nullptr;
        ConnError err = ConnError::kOther;
        switch (f.kind) {
            case FrameKind::kMessage:
                rx_out_.push_back({base + off + f.skip, f.length, c.peer, conn_flow(id)});
                off += f.skip + f.length;
                continue;
            case FrameKind::kPing:
                off += f.skip;
                ++sstats_.pings_answered;
                send_raw(id, "\r\n", now_ns);
                if (conns_[id].state == State::kFree) return;
                continue;
            case FrameKind::kPong:
                off += f.skip;
                c.awaiting_pong = false;
                ++sstats_.pongs_received;
                continue;
            case FrameKind::kNeedMore:
                break;
            case FrameKind::kNoLength:
                why = "a message without Content-Length";
                err = ConnError::kNoContentLength;
                break;
            case FrameKind::kBadLength:
                why = "a message with a bad Content-Length";
                err = ConnError::kBadContentLength;
                break;
            case FrameKind::kTooLarge:
                why = "a message larger than --max-message";
                err = ConnError::kTooLarge;
                break;
        }
        if (why) {
            char text[192];
            snprintf(text, sizeof(text), "%s: %s from %s", opt_.tls ? "TLS" : "TCP", why,
                     c.peer.to_string().c_str());
            ++stats_.rx_errors;
            return fail(id, err, text, now_ns);
        }
        break;
    }
    c.in.assign(base + off, base + len);
    c.in_scan = more ? 0 : scan;
    if (more && !c.in_backlog) {
        c.in_backlog = true;
        backlog_.push_back(id);
    }
}

}  // namespace sipstorm::net
