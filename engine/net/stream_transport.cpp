#include "net/stream_transport.hpp"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "net/stream_framer.hpp"
#include "net/tls_session.hpp"
#include "runtime/clock.hpp"

namespace sipstorm::net {

namespace {

constexpr uint64_t kListenTag = UINT64_MAX;
constexpr uint64_t kTimerTag = UINT64_MAX - 1;
constexpr uint64_t kHousekeepingNs = 100'000'000;
constexpr size_t kReadChunk = 64 * 1024;
constexpr uint32_t kAcceptsPerPoll = 256;

ConnError error_of(int err) {
    switch (err) {
        case ECONNREFUSED:
            return ConnError::kRefused;
        case ECONNRESET:
        case EPIPE:
        case ECONNABORTED:
            return ConnError::kReset;
        case ETIMEDOUT:
            return ConnError::kConnectTimeout;
        case EMFILE:
        case ENFILE:
            return ConnError::kNoFiles;
        default:
            return ConnError::kOther;
    }
}

const char* text_of(int err) {
    switch (err) {
        case ECONNREFUSED:
            return "connection refused";
        case ECONNRESET:
        case EPIPE:
            return "connection reset by the peer";
        case ETIMEDOUT:
            return "connect timeout";
        case EMFILE:
        case ENFILE:
            return "too many open files (raise ulimit -n)";
        default:
            return strerror(err);
    }
}

void set_int(int fd, int level, int opt, int v) {
    setsockopt(fd, level, opt, &v, sizeof(v));
}

}  // namespace

StreamTransport::StreamTransport(const StreamOptions& opt) : opt_(opt) {
    const uint32_t batch = std::clamp<uint32_t>(opt.batch, 1, 1024);
    opt_.batch = batch;
    opt_.pool = std::max<uint32_t>(opt.pool, 1);
    scratch_.resize(2 * static_cast<size_t>(opt.max_message) + 256 * 1024);
    rx_out_.reserve(batch);
    events_.resize(batch);
    tx_buf_ = std::make_unique<char[]>(static_cast<size_t>(batch) * kMaxDatagram);
    tx_.resize(batch);
    for (uint32_t i = 0; i < batch; ++i) tx_[i].data = tx_buf_.get() + static_cast<size_t>(i) * kMaxDatagram;
    tx_next_.resize(batch);
    touched_.reserve(batch);
    const uint32_t slots = opt_.model == ConnectionModel::kShared ? 1
                           : opt_.model == ConnectionModel::kPool ? opt_.pool
                                                                  : 0;
    pool_.resize(slots);
}

StreamTransport::~StreamTransport() {
    for (uint32_t id = 0; id < conns_.size(); ++id)
        if (conns_[id].state != State::kFree) {
            conns_[id].tls.reset();
            close(conns_[id].fd);
        }
    if (listen_ >= 0) close(listen_);
    if (timer_ >= 0) close(timer_);
    if (epoll_ >= 0) close(epoll_);
}

std::unique_ptr<StreamTransport> open_stream(const StreamOptions& opt, std::string* error) {
    auto say = [&](const std::string& step, int err) {
        if (error) *error = std::string(opt.tls ? "tls: " : "tcp: ") + step + ": " + strerror(err);
        return nullptr;
    };
    std::unique_ptr<StreamTransport> t(new StreamTransport(opt));
    t->local_ = opt.local;
    if ((t->epoll_ = epoll_create1(EPOLL_CLOEXEC)) < 0) return say("epoll_create1", errno);
    if ((t->timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0)
        return say("timerfd_create", errno);
    // Housekeeping (connect and idle timeouts, keep-alives, reconnects) wakes a sleeping shard.
    itimerspec its{{0, static_cast<long>(kHousekeepingNs)}, {0, static_cast<long>(kHousekeepingNs)}};
    timerfd_settime(t->timer_, 0, &its, nullptr);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kTimerTag;
    epoll_ctl(t->epoll_, EPOLL_CTL_ADD, t->timer_, &ev);
    if (!opt.listen) return t;

    const int fd = socket(opt.local.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return say("socket", errno);
    t->listen_ = fd;
    set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (opt.reuseport) set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
    if (opt.local.family == AF_INET6) set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    sockaddr_storage ss;
    socklen_t len = opt.local.to_sockaddr(ss);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0)
        return say("bind " + opt.local.to_string(), errno);
    if (listen(fd, 4096) != 0) return say("listen", errno);
    len = sizeof(ss);
    getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    t->local_ = Address::from_sockaddr(reinterpret_cast<sockaddr*>(&ss));
    ev.data.u64 = kListenTag;
    epoll_ctl(t->epoll_, EPOLL_CTL_ADD, fd, &ev);
    return t;
}

// ---------------------------------------------------------------------------------------------
// Connections

uint64_t StreamTransport::conn_flow(uint32_t id) const {
    return kConnectionFlow | (uint64_t{opt_.shard & 0x7fu} << 56) |
           (uint64_t{conns_[id].gen & 0xffffffu} << 32) | id;
}

uint32_t StreamTransport::conn_of_flow(uint64_t flow) const {
    const uint32_t id = static_cast<uint32_t>(flow);
    if (!(flow & kConnectionFlow) || ((flow >> 56) & 0x7f) != (opt_.shard & 0x7fu) || id >= conns_.size())
        return kNone;
    const Conn& c = conns_[id];
    if (c.state == State::kFree || ((flow >> 32) & 0xffffff) != (c.gen & 0xffffffu)) return kNone;
    return id;
}

uint32_t StreamTransport::new_conn(int fd, const Address& peer, bool accepted, uint64_t now_ns) {
    uint32_t id;
    if (!free_.empty()) {
        id = free_.back();
        free_.pop_back();
    } else {
        id = static_cast<uint32_t>(conns_.size());
        conns_.emplace_back();
    }
    Conn& c = conns_[id];
    c.fd = fd;
    c.accepted = accepted;
    c.peer = peer;
    c.opened_ns = c.active_ns = now_ns;
    c.state = accepted ? State::kOpen : State::kConnecting;
    c.want_out = !accepted;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (c.want_out ? EPOLLOUT : 0u);
    ev.data.u64 = (uint64_t{c.gen} << 32) | id;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
    sstats_.peak = std::max(sstats_.peak, ++sstats_.current);
    return id;
}

uint32_t StreamTransport::connect_to(const Address& peer, uint64_t now_ns, char* error, size_t error_len) {
    const char* proto = opt_.tls ? "TLS" : "TCP";
    const int fd = socket(peer.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        const int err = errno;
        ++sstats_.failed[static_cast<size_t>(error_of(err))];
        snprintf(error, error_len, "%s: %s", proto, text_of(err));
        return kNone;
    }
    set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    Address src = opt_.source_ips.empty() ? local_ : opt_.source_ips[next_source_++ % opt_.source_ips.size()];
    if (src.family == peer.family) {
        src.port = 0;
        // The port is chosen at connect() time, per destination: a source address is not limited
        // to one ephemeral port range for all targets.
        set_int(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1);
        sockaddr_storage ss;
        socklen_t len = src.to_sockaddr(ss);
        bind(fd, reinterpret_cast<sockaddr*>(&ss), len);  // a failure shows at connect()
    }
    sockaddr_storage ss;
    socklen_t len = peer.to_sockaddr(ss);
    if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
        const int err = errno;
        close(fd);
        ++sstats_.failed[static_cast<size_t>(error_of(err))];
        snprintf(error, error_len, "%s: %s (%s)", proto, text_of(err), peer.to_string().c_str());
        return kNone;
    }
    return new_conn(fd, peer, false, now_ns);
}

void StreamTransport::accept_all(uint64_t now_ns) {
    for (uint32_t n = 0; n < kAcceptsPerPoll; ++n) {
        sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        const int fd = accept4(listen_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE)
                ++sstats_.failed[static_cast<size_t>(ConnError::kNoFiles)];
            return;
        }
        if (opt_.max_connections && sstats_.current >= opt_.max_connections) {
            ++sstats_.failed[static_cast<size_t>(ConnError::kOverLimit)];
            close(fd);
            continue;
        }
        set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
        ++sstats_.accepted;
        const uint32_t id =
            new_conn(fd, Address::from_sockaddr(reinterpret_cast<sockaddr*>(&ss)), true, now_ns);
        if (opt_.tls) start_tls(id, now_ns);
    }
}

void StreamTransport::on_connected(uint32_t id, uint64_t now_ns) {
    Conn& c = conns_[id];
    connect_samples_.push_back(now_ns - c.opened_ns);
    if (opt_.tls) return start_tls(id, now_ns);
    c.state = State::kOpen;
    ++sstats_.connected;
    if (c.pool_slot != kNone) {
        pool_[c.pool_slot].failures = 0;
        pool_[c.pool_slot].retry_ns = 0;
    }
    set_events(id, false);
    drain_output(id, now_ns);
}

void StreamTransport::start_tls(uint32_t id, uint64_t now_ns) {
    Conn& c = conns_[id];
    std::string err;
    c.tls = TlsSession::create(*opt_.tls, c.fd, c.accepted, c.peer, &err);
    if (!c.tls) return fail(id, ConnError::kTlsHandshake, "TLS: " + err, now_ns);
    c.state = State::kHandshake;
    c.opened_ns = now_ns;  // the handshake is timed (and timed out) on its own
    drive_handshake(id, now_ns);
}

void StreamTransport::drive_handshake(uint32_t id, uint64_t now_ns) {
    Conn& c = conns_[id];
    switch (c.tls->handshake()) {
        case TlsSession::Step::kWantRead:
            return set_events(id, false);
        case TlsSession::Step::kWantWrite:
            return set_events(id, true);
        case TlsSession::Step::kFailed:
            return fail(id, c.tls->certificate_error() ? ConnError::kCertificate : ConnError::kTlsHandshake,
                        c.tls->error(), now_ns);
        case TlsSession::Step::kDone:
            break;
    }
    handshake_samples_.push_back(now_ns - c.opened_ns);
    if (!sstats_.tls_version) {
        sstats_.tls_version = c.tls->version();
        sstats_.tls_cipher = c.tls->cipher();
    }
    c.state = State::kOpen;
    c.active_ns = now_ns;
    if (!c.accepted) {
        ++sstats_.connected;
        if (c.pool_slot != kNone) {
            pool_[c.pool_slot].failures = 0;
            pool_[c.pool_slot].retry_ns = 0;
        }
    }
    set_events(id, false);
    if (drain_output(id, now_ns) && conns_[id].state == State::kOpen) service(id, true, now_ns);
}

void StreamTransport::set_events(uint32_t id, bool want_out) {
    Conn& c = conns_[id];
    if (c.want_out == want_out) return;
    c.want_out = want_out;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (want_out ? EPOLLOUT : 0u);
    ev.data.u64 = (uint64_t{c.gen} << 32) | id;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
}

void StreamTransport::add_fault(uint64_t flow, uint32_t modulo, std::string_view detail) {
    FlowFault& f = faults_.emplace_back();
    f.flow = flow;
    f.modulo = modulo;
    const size_t n = std::min(detail.size(), sizeof(f.detail) - 1);
    std::memcpy(f.detail, detail.data(), n);
    f.detail[n] = 0;
}

std::span<const FlowFault> StreamTransport::take_faults() {
    faults_out_.swap(faults_);
    faults_.clear();
    return faults_out_;
}

std::span<const uint64_t> StreamTransport::take_connect_samples() {
    connect_out_.swap(connect_samples_);
    connect_samples_.clear();
    return connect_out_;
}

std::span<const uint64_t> StreamTransport::take_handshake_samples() {
    handshake_out_.swap(handshake_samples_);
    handshake_samples_.clear();
    return handshake_out_;
}

void StreamTransport::fail(uint32_t id, ConnError why, std::string_view detail, uint64_t now_ns) {
    Conn& c = conns_[id];
    if (c.state == State::kFree) return;
    const bool per_call = !c.accepted && c.pool_slot == kNone;
    const uint32_t flow_slot = static_cast<uint32_t>(c.flow);
    const bool per_call_live = per_call && flow_slot < flows_.size() && flows_[flow_slot].conn == id;
    const bool used = c.accepted ? c.refs > 0 : per_call ? per_call_live : pool_[c.pool_slot].refs > 0;
    if (why == ConnError::kClosedByPeer && !used) return close_conn(id);  // a peer's normal close
    ++sstats_.failed[static_cast<size_t>(why)];
    if (c.accepted) {
        if (used) add_fault(conn_flow(id), 0, detail);
    } else if (per_call) {
        if (used) add_fault(c.flow, 0, detail);
    } else {
        PoolSlot& ps = pool_[c.pool_slot];
        if (used) add_fault(c.pool_slot, static_cast<uint32_t>(pool_.size()), detail);
        ++ps.failures;
        ps.retry_ns = now_ns + (kHousekeepingNs << std::min<uint32_t>(ps.failures - 1, 6));
        const size_t n = std::min(detail.size(), sizeof(ps.last_error) - 1);
        std::memcpy(ps.last_error, detail.data(), n);
        ps.last_error[n] = 0;
    }
    close_conn(id);
}

void StreamTransport::close_conn(uint32_t id) {
    Conn& c = conns_[id];
    if (c.state == State::kFree) return;
    if (c.tls) {
        if (c.state == State::kOpen) c.tls->shutdown();
        c.tls.reset();
    }
    close(c.fd);  // also takes it out of the epoll set
    if (c.pool_slot != kNone && pool_[c.pool_slot].conn == id) pool_[c.pool_slot].conn = kNone;
    const uint32_t flow_slot = static_cast<uint32_t>(c.flow);
    if (!c.accepted && c.pool_slot == kNone && flow_slot < flows_.size() && flows_[flow_slot].conn == id)
        flows_[flow_slot] = {};
    ++sstats_.closed;
    --sstats_.current;
    const uint32_t gen = c.gen + 1;
    c = Conn{};
    c.gen = gen;
    freeing_.push_back(id);
}

void StreamTransport::flow_begin(uint64_t flow) {
    if (flow & kConnectionFlow) {
        if (uint32_t id = conn_of_flow(flow); id != kNone) ++conns_[id].refs;
    } else if (!pool_.empty()) {
        ++pool_[flow % pool_.size()].refs;
    }
}

void StreamTransport::flow_end(uint64_t flow) {
    if (flow & kConnectionFlow) {
        if (uint32_t id = conn_of_flow(flow); id != kNone && conns_[id].refs) --conns_[id].refs;
        return;
    }
    if (!pool_.empty()) {
        PoolSlot& ps = pool_[flow % pool_.size()];
        if (ps.refs) --ps.refs;
        return;
    }
    const uint32_t slot = static_cast<uint32_t>(flow);
    if (slot >= flows_.size() || flows_[slot].flow != flow || flows_[slot].conn == kNone) return;
    const uint32_t id = flows_[slot].conn;
    flows_[slot] = {};
    Conn& c = conns_[id];
    // The call is over: its connection closes once what it still has to send is out.
    if (c.out.size() == c.out_off)
        close_conn(id);
    else
        c.state = State::kClosing;
}

void StreamTransport::housekeeping(uint64_t now_ns) {
    for (uint32_t id = 0; id < conns_.size(); ++id) {
        Conn& c = conns_[id];
        switch (c.state) {
            case State::kFree:
            case State::kClosing:
                break;
            case State::kConnecting:
                if (now_ns - c.opened_ns > opt_.connect_timeout_ns)
                    fail(id, ConnError::kConnectTimeout,
                         std::string(opt_.tls ? "TLS" : "TCP") + ": connect timeout (" + c.peer.to_string() +
                             ")",
                         now_ns);
                break;
            case State::kHandshake:
                if (now_ns - c.opened_ns > opt_.connect_timeout_ns)
                    fail(id, ConnError::kTlsHandshake, "TLS: handshake timeout (" + c.peer.to_string() + ")",
                         now_ns);
                break;
            case State::kOpen:
                if (c.accepted) {
                    if (opt_.idle_timeout_ns && now_ns - c.active_ns > opt_.idle_timeout_ns)
                        fail(id, ConnError::kIdleTimeout, "idle timeout", now_ns);
                } else if (opt_.keepalive_ns) {
                    if (c.awaiting_pong) {
                        if (now_ns - c.ping_ns > opt_.keepalive_timeout_ns)
                            fail(id, ConnError::kKeepaliveTimeout,
                                 std::string(opt_.tls ? "TLS" : "TCP") + ": no keep-alive pong (" +
                                     c.peer.to_string() + ")",
                                 now_ns);
                    } else if (now_ns - c.active_ns >= opt_.keepalive_ns) {
                        c.awaiting_pong = true;
                        c.ping_ns = now_ns;
                        ++sstats_.pings_sent;
                        send_raw(id, "\r\n\r\n", now_ns);
                    }
                }
                break;
        }
    }
    // Shared and pool connections that failed come back after their back-off.
    for (uint32_t k = 0; k < pool_.size(); ++k) {
        PoolSlot& ps = pool_[k];
        if (ps.conn != kNone || !ps.retry_ns || now_ns < ps.retry_ns || ps.failures > opt_.reconnect)
            continue;
        ++sstats_.reconnects;
        char err[80];
        const uint32_t id = connect_to(remote_, now_ns, err, sizeof(err));
        if (id == kNone) {
            ++ps.failures;
            ps.retry_ns = now_ns + (kHousekeepingNs << std::min<uint32_t>(ps.failures - 1, 6));
            std::memcpy(ps.last_error, err, sizeof(ps.last_error));
            continue;
        }
        ps.conn = id;
        conns_[id].pool_slot = k;
    }
}

// ---------------------------------------------------------------------------------------------
// Receiving

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
        std::vector<uint32_t> pending;
        pending.swap(backlog_);
        for (uint32_t id : pending) {
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

// ---------------------------------------------------------------------------------------------
// Sending

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
        snprintf(err, sizeof(err), "%.60s (gave up after %u reconnects)", ps.last_error, opt_.reconnect);
        add_fault(p.flow, 0, err);
        return kNone;
    }
    if (ps.retry_ns && now_ns < ps.retry_ns) {
        snprintf(err, sizeof(err), "%.70s (reconnecting)", ps.last_error);
        add_fault(p.flow, 0, err);
        return kNone;
    }
    const uint32_t id = connect_to(p.to, now_ns, err, sizeof(err));
    if (id == kNone) {
        ++ps.failures;
        ps.retry_ns = now_ns + (kHousekeepingNs << std::min<uint32_t>(ps.failures - 1, 6));
        std::memcpy(ps.last_error, err, sizeof(ps.last_error));
        ps.last_error[sizeof(ps.last_error) - 1] = 0;
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
                queue_output(c, static_cast<const char*>(iov[k].iov_base) + done, iov[k].iov_len - done);
                done = 0;
            }
            if (static_cast<size_t>(w) < total) break;
        }
    }
    for (; i != kNone; i = tx_next_[i]) {
        queue_output(c, tx_[i].data, tx_[i].len);
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

void StreamTransport::queue_output(Conn& c, const char* data, size_t len) {
    if (c.out_off == c.out.size()) {
        c.out.clear();
        c.out_off = 0;
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
            fail(id, error_of(err), text, now_ns);
            return false;
        }
        if (w <= 0) {
            set_events(id, true);
            return true;
        }
        c.out_off += static_cast<size_t>(w);
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
    queue_output(c, bytes.data(), bytes.size());
    c.active_ns = now_ns;
    if (c.state == State::kOpen) drain_output(id, now_ns);
}

}  // namespace sipstorm::net
