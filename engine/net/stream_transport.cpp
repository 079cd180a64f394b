#include "net/stream_transport.hpp"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "net/stream_errors.hpp"
#include "net/tls_session.hpp"
#include "runtime/clock.hpp"

namespace sipstorm::net {

using namespace stream_detail;

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
    // OpenSSL writes to its socket without MSG_NOSIGNAL: a peer that closed must be an EPIPE on
    // that connection, not a SIGPIPE that ends the run.
    signal(SIGPIPE, SIG_IGN);
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
            if (errno == EMFILE || errno == ENFILE) {
                // Out of descriptors: the backlog stays readable, so stop listening until the next
                // housekeeping instead of spinning on it.
                ++sstats_.failed[static_cast<size_t>(ConnError::kNoFiles)];
                epoll_ctl(epoll_, EPOLL_CTL_DEL, listen_, nullptr);
                listen_paused_ = true;
            }
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
        case TlsSession::Step::kFailed: {
            char text[192];
            snprintf(text, sizeof(text), "TLS: %s (%s)", c.tls->error(), c.peer.to_string().c_str());
            return fail(id, c.tls->certificate_error() ? ConnError::kCertificate : ConnError::kTlsHandshake,
                        text, now_ns);
        }
        case TlsSession::Step::kDone:
            break;
    }
    handshake_samples_.push_back(now_ns - c.opened_ns);
    if (c.tls->resumed()) ++sstats_.tls_resumed;
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
        if (c.state != State::kFree && c.out.size() != c.out_off &&
            now_ns - c.out_since_ns > opt_.output_stall_ns) {
            char text[192];
            snprintf(text, sizeof(text), "%s: the peer has read nothing for %llu s (%zu bytes queued for %s)",
                     opt_.tls ? "TLS" : "TCP",
                     static_cast<unsigned long long>(opt_.output_stall_ns / 1'000'000'000),
                     c.out.size() - c.out_off, c.peer.to_string().c_str());
            fail(id, ConnError::kSlowPeer, text, now_ns);
            continue;
        }
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
    if (listen_paused_) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = kListenTag;
        epoll_ctl(epoll_, EPOLL_CTL_ADD, listen_, &ev);
        listen_paused_ = false;
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
            snprintf(ps.last_error, sizeof(ps.last_error), "%.111s", err);
            continue;
        }
        ps.conn = id;
        conns_[id].pool_slot = k;
    }
}

}  // namespace sipstorm::net
