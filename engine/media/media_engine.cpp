#include "media/media_engine.hpp"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "media/emodel.hpp"
#include "media/rtcp.hpp"
#include "media/rtp.hpp"
#include "media/sdp.hpp"
#include "stats/shard_stats.hpp"

namespace sipstorm::media {

namespace {

constexpr uint64_t kMsNs = 1'000'000;
constexpr uint64_t kRtcpFirstNs = 2'500'000'000;  // RFC 3550 §6.2: half the 5 s minimum at first
constexpr uint64_t kRtcpIntervalNs = 5'000'000'000;
constexpr uint32_t kDtmfPackets = 5;    // 100 ms of tone per digit at 20 ms ptime
constexpr uint32_t kDtmfEndCopies = 3;  // RFC 4733 §2.5.1.4: the end packet three times
constexpr uint32_t kDtmfGapTicks = 3;   // silence between digits
constexpr size_t kRxBatch = 16;
constexpr size_t kRxBytes = 2048;
constexpr uint64_t kNever = UINT64_MAX;
// Packets due this soon go with the ones due now: one wake sends the streams whose marks fall in the
// window instead of one wake (a ppoll and a timer) per stream, at most this early.
constexpr uint64_t kSendAheadNs = 500'000;

int open_udp(const net::Address& local, uint16_t port) {
    net::Address a = local;
    a.port = port;
    sockaddr_storage ss;
    const socklen_t len = a.to_sockaddr(ss);
    const int fd = socket(a.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

struct MediaEngine::Stream {
    bool open = false;
    CallRef call;
    uint32_t stamp = 0;
    uint16_t port = 0;
    int rtp_fd = -1, rtcp_fd = -1;

    // The peer, from its SDP.
    bool have_remote = false;
    bool peer_sends = true;  // its SDP direction lets it send to us
    uint64_t remote_at_ns = 0;
    net::Address remote, remote_rtcp;
    uint8_t pt = 0;
    uint8_t te_pt = 101;
    uint32_t ptime_ms = 20;

    // Sending: one tick every ptime while audio or DTMF is due.
    uint32_t ssrc = 0;
    uint16_t seq = 0;
    uint32_t ts = 0;
    bool marker = true;
    const MediaAction* play = nullptr;
    uint64_t play_start_ns = 0, play_end_ns = 0;
    uint64_t tick_start_ns = 0, ticks = 0;  // tick k is due at tick_start + k * ptime
    bool ticking = false;
    uint64_t clip_pos = 0;       // audio: next byte; capture: next packet
    uint64_t capture_round = 0;  // loops of a capture played so far
    uint32_t capture_ts_base = 0;
    uint16_t capture_seq_last = 0;  // seq_offset of the capture's packet sent last in this round
    bool echo = false;
    // DTMF out: digits of the action, which one, how far into it.
    const std::string* dtmf_out = nullptr;
    size_t dtmf_pos = 0;
    uint32_t dtmf_tick = 0;  // packets of the current digit, then end copies, then the gap
    uint32_t dtmf_ts = 0;

    // Receiving.
    ReceiverStats rx{8000};
    bool have_peer_ssrc = false;
    uint32_t peer_ssrc = 0;
    uint64_t last_rx_ns = 0;
    DtmfCollector dtmf_in;
    bool dtmf_pending = false;  // in dtmf_, for take_dtmf()
    bool timed_out = false;

    uint32_t packets_out = 0, octets_out = 0;
    uint64_t next_rtcp_ns = kNever;
    uint32_t lsr = 0;
    uint64_t lsr_arrival_ns = 0;
    double rtt_ms = -1;
    uint64_t sent_at[64] = {};  // by seq % 64, for the round trip of echoed packets
    uint64_t echo_rtt_sum_us = 0, echo_rtt_count = 0;
};

MediaEngine::MediaEngine(const MediaConfig& config, stats::ShardStats* stats)
    : config_(config), stats_(stats), rng_(config.seed * 0x9E3779B97F4A7C15ull + config.shard + 7) {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    streams_.resize(config.max_streams);
    free_slots_.reserve(config.max_streams);
    for (uint32_t i = config.max_streams; i-- > 0;) free_slots_.push_back(i);
    const uint32_t first = (config.port_lo + 1u) & ~1u;  // even
    for (uint32_t p = first + 2u * config.shard; p + 1 <= config.port_hi;
         p += 2u * std::max(1u, config.shards))
        free_ports_.push_back(static_cast<uint16_t>(p));
    port_count_ = free_ports_.size();
    heap_.reserve(config.max_streams * 2 + 16);
    dtmf_.reserve(config.max_streams);  // a stream is in it at most once
    dtmf_handed_.reserve(config.max_streams);
}

MediaEngine::~MediaEngine() {
    for (Stream& s : streams_)
        if (s.open) close(s);
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

MediaEngine::Stream* MediaEngine::find(CallRef call) {
    if (call.index >= by_call_.size() || by_call_[call.index] == 0) return nullptr;
    Stream& s = streams_[by_call_[call.index] - 1];
    return s.open && s.call.generation == call.generation ? &s : nullptr;
}

const MediaEngine::Stream* MediaEngine::find(CallRef call) const {
    return const_cast<MediaEngine*>(this)->find(call);
}

uint16_t MediaEngine::stream_port(const Stream& s) {
    return s.port;
}

uint16_t MediaEngine::port_of(CallRef call) {
    if (Stream* s = find(call)) return s->port;
    if (free_slots_.empty() || port_count_ == 0) return 0;
    // A port someone else holds is skipped (it goes to the back of the ring).
    for (size_t tries = std::min<size_t>(port_count_, 64); tries > 0; --tries) {
        const uint16_t port = free_ports_[port_head_];
        port_head_ = (port_head_ + 1) % free_ports_.size();
        --port_count_;
        const int rtp = open_udp(config_.local, port);
        const int rtcp = rtp >= 0 ? open_udp(config_.local, static_cast<uint16_t>(port + 1)) : -1;
        if (rtcp < 0) {
            if (rtp >= 0) ::close(rtp);
            free_ports_[(port_head_ + port_count_) % free_ports_.size()] = port;
            ++port_count_;
            continue;
        }
        const uint32_t slot = free_slots_.back();
        free_slots_.pop_back();
        Stream& s = streams_[slot];
        s = Stream{};
        s.open = true;
        s.call = call;
        s.port = port;
        s.rtp_fd = rtp;
        s.rtcp_fd = rtcp;
        s.ssrc = static_cast<uint32_t>(rng_.next());
        s.seq = static_cast<uint16_t>(rng_.next());
        s.ts = static_cast<uint32_t>(rng_.next());
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = uint64_t{slot} << 1;
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, rtp, &ev);
        ev.data.u64 = uint64_t{slot} << 1 | 1;
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, rtcp, &ev);
        if (call.index >= by_call_.size())
            by_call_.resize(std::max<size_t>(call.index + 1, by_call_.size() * 2), 0);
        by_call_[call.index] = slot + 1;
        ++live_;
        if (stats_) stats_->counters().media_live.set(live_);
        return port;
    }
    return 0;
}

void MediaEngine::on_remote_sdp(CallRef call, std::string_view body, uint64_t now_ns) {
    Stream* s = find(call);
    if (!s && port_of(call) != 0) s = find(call);  // a UAS hears the offer before it answers
    SdpAudio a;
    if (!s || !parse_sdp_audio(body, a) || a.port == 0) return;
    const std::string host(a.address);
    net::Address addr;
    if (!net::Address::parse(a.ipv6 ? "[" + host + "]" : host, a.port, addr)) return;
    s->remote = addr;
    s->remote_rtcp = addr;
    s->remote_rtcp.port = static_cast<uint16_t>(a.port + 1);
    if (!s->have_remote) s->remote_at_ns = now_ns;
    s->have_remote = true;
    s->peer_sends = a.direction == Direction::kSendRecv || a.direction == Direction::kSendOnly;
    const int pt = choose_codec(a);
    s->pt = static_cast<uint8_t>(pt >= 0 ? pt : 0);
    if (a.telephone_event_pt >= 0) s->te_pt = static_cast<uint8_t>(a.telephone_event_pt);
    if (a.has_ssrc) {
        s->peer_ssrc = a.ssrc;
        s->have_peer_ssrc = true;
    }
    if (s->next_rtcp_ns == kNever) s->next_rtcp_ns = now_ns + kRtcpFirstNs;
    schedule(*s);
}

void MediaEngine::apply(CallRef call, const MediaAction& action, uint64_t now_ns) {
    Stream* s = find(call);
    if (!s && port_of(call) != 0) s = find(call);
    if (!s) return;
    switch (action.kind) {
        case MediaAction::Kind::kPlay: {
            s->play = &action;
            s->play_start_ns = now_ns;
            s->clip_pos = 0;
            s->capture_round = 0;
            s->capture_ts_base = s->ts;
            s->ptime_ms = action.ptime_ms;
            uint64_t length = 0;
            const Clip& c = *action.clip;
            if (c.is_capture())
                length = c.packets.back().offset_ns + action.ptime_ms * kMsNs;
            else
                length = c.bytes.size() * 125'000ull;  // 8000 samples/s: 125 us each
            s->play_end_ns = action.duration_ns ? now_ns + action.duration_ns
                             : action.loop      ? kNever
                                                : now_ns + length;
            if (!s->ticking) {
                s->ticking = true;
                s->tick_start_ns = now_ns;
                s->ticks = 0;
            }
            break;
        }
        case MediaAction::Kind::kEcho:
            s->echo = true;
            break;
        case MediaAction::Kind::kStop:
            s->play = nullptr;
            s->echo = false;
            break;
        case MediaAction::Kind::kDtmf:
            s->dtmf_out = &action.digits;
            s->dtmf_pos = 0;
            s->dtmf_tick = 0;
            if (!s->ticking) {
                s->ticking = true;
                s->tick_start_ns = now_ns;
                s->ticks = 0;
            }
            break;
    }
    schedule(*s);
}

uint8_t MediaEngine::payload_type(CallRef call) const {
    const Stream* s = find(call);
    return s ? s->pt : 0;
}

std::string_view MediaEngine::dtmf_received(CallRef call) const {
    const Stream* s = find(call);
    return s ? s->dtmf_in.digits() : std::string_view();
}

void MediaEngine::end(CallRef call) {
    Stream* s = find(call);
    if (!s) return;
    if (stats_) {
        stats::ShardCounters& c = stats_->counters();
        stats::Histograms& h = stats_->hist();
        c.media_streams.add();
        const bool expected_rtp = s->have_remote && s->peer_sends;
        if (s->rx.valid()) {
            c.media_expected.add(s->rx.expected());
            c.media_lost.add(static_cast<uint64_t>(std::max<int64_t>(0, s->rx.lost())));
            c.media_duplicates.add(s->rx.duplicates());
            c.media_reordered.add(s->rx.reordered());
            h.media_jitter_us.record(static_cast<uint64_t>(s->rx.jitter_ms() * 1000));
            h.media_jitter_max_us.record(static_cast<uint64_t>(s->rx.jitter_max_ms() * 1000));
            // One-way delay for the E-model: half the measured round trip where there is one, plus
            // packetisation and a jitter buffer of twice the jitter.
            double rtt = s->rtt_ms;
            if (rtt < 0 && s->echo_rtt_count)
                rtt = static_cast<double>(s->echo_rtt_sum_us / s->echo_rtt_count) / 1000;
            EModelInput in;
            in.loss_pct = s->rx.loss_fraction() * 100;
            in.one_way_delay_ms = (rtt > 0 ? rtt / 2 : 0) + s->ptime_ms + 2 * s->rx.jitter_ms();
            h.media_mos_milli.record(static_cast<uint64_t>(mos(in) * 1000));
        } else if (expected_rtp) {
            c.media_no_rtp_calls.add();
        }
        if (s->rtt_ms >= 0) h.media_rtt_us.record(static_cast<uint64_t>(s->rtt_ms * 1000));
        if (s->echo_rtt_count) h.media_echo_rtt_us.record(s->echo_rtt_sum_us / s->echo_rtt_count);
    }
    close(*s);
}

void MediaEngine::close(Stream& s) {
    ::close(s.rtp_fd);  // closing removes them from the epoll set
    ::close(s.rtcp_fd);
    free_ports_[(port_head_ + port_count_) % free_ports_.size()] = s.port;
    ++port_count_;
    const uint32_t slot = static_cast<uint32_t>(&s - streams_.data());
    if (s.call.index < by_call_.size() && by_call_[s.call.index] == slot + 1) by_call_[s.call.index] = 0;
    s.open = false;
    ++s.stamp;  // its heap entries are stale now
    free_slots_.push_back(slot);
    --live_;
    if (stats_) stats_->counters().media_live.set(live_);
}

uint64_t MediaEngine::stream_deadline(const Stream& s) const {
    uint64_t at = s.have_remote ? s.next_rtcp_ns : kNever;
    if (s.have_remote && s.peer_sends && !s.timed_out && config_.media_timeout_ns)
        at = std::min(at, std::max(s.last_rx_ns, s.remote_at_ns) + config_.media_timeout_ns);
    if (s.ticking) {
        if (s.play && s.play->clip->is_capture() && !s.dtmf_out) {
            const auto& pk = s.play->clip->packets;
            const uint64_t length = pk.back().offset_ns + s.play->ptime_ms * kMsNs;
            at = std::min(at, std::min(s.play_end_ns, s.play_start_ns + s.capture_round * length +
                                                          pk[s.clip_pos].offset_ns));
        } else {
            at = std::min(at, s.tick_start_ns + s.ticks * s.ptime_ms * kMsNs);
        }
    }
    return at;
}

void MediaEngine::schedule(Stream& s) {
    const uint64_t at = stream_deadline(s);
    if (at == kNever) return;
    ++s.stamp;
    heap_.push_back({at, static_cast<uint32_t>(&s - streams_.data()), s.stamp});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
}

uint64_t MediaEngine::next_deadline_ns() const {
    return heap_.empty() ? kNever : heap_.front().at;
}

void MediaEngine::advance(uint64_t now_ns) {
    while (!heap_.empty() && heap_.front().at <= now_ns + kSendAheadNs) {
        const Due d = heap_.front();
        std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
        heap_.pop_back();
        Stream& s = streams_[d.slot];
        if (!s.open || s.stamp != d.stamp) continue;
        service(s, now_ns, now_ns + kSendAheadNs);
        schedule(s);
    }
}

std::span<const CallRef> MediaEngine::take_dtmf() {
    dtmf_handed_.swap(dtmf_);
    dtmf_.clear();
    for (const CallRef& c : dtmf_handed_)
        if (Stream* s = find(c)) s->dtmf_pending = false;
    return dtmf_handed_;
}

std::span<const CallRef> MediaEngine::take_timeouts() {
    handed_.swap(timeouts_);
    timeouts_.clear();
    return handed_;
}

void MediaEngine::service(Stream& s, uint64_t now_ns, uint64_t horizon_ns) {
    // Everything due by the horizon is done now, so a stream's next deadline is always past it
    // (advance() would otherwise take the same entry again and again).
    if (s.have_remote && s.peer_sends && !s.timed_out && config_.media_timeout_ns &&
        horizon_ns >= std::max(s.last_rx_ns, s.remote_at_ns) + config_.media_timeout_ns) {
        s.timed_out = true;
        timeouts_.push_back(s.call);
    }
    if (s.have_remote && horizon_ns >= s.next_rtcp_ns) {
        send_rtcp(s, now_ns);
        s.next_rtcp_ns = now_ns + kRtcpIntervalNs;
    }
    if (!s.ticking) return;
    if (s.play && horizon_ns >= s.play_end_ns) s.play = nullptr;
    if (s.play && s.play->clip->is_capture() && !s.dtmf_out) {
        // A capture keeps its own timing: every packet due by now goes.
        const Clip& c = *s.play->clip;
        const uint64_t length = c.packets.back().offset_ns + s.play->ptime_ms * kMsNs;
        for (;;) {
            const uint64_t due = s.play_start_ns + s.capture_round * length + c.packets[s.clip_pos].offset_ns;
            if (due > horizon_ns || due >= s.play_end_ns) break;
            const CapturedPacket& p = c.packets[s.clip_pos];
            uint8_t buf[kRxBytes];
            const size_t room = sizeof buf - kRtpHeaderBytes;
            const size_t n = std::min<size_t>(p.payload_len, room);
            // The capture's sequence gaps (and reorderings) replay as they were captured, on our
            // own numbering: a capture with known losses is a reference for the receiver's figures.
            if (s.clip_pos > 0)
                s.seq = static_cast<uint16_t>(s.seq + static_cast<int16_t>(static_cast<uint16_t>(
                                                          p.seq_offset - s.capture_seq_last - 1)));
            s.capture_seq_last = p.seq_offset;
            RtpHeader h{p.marker, p.payload_type, s.seq++, s.capture_ts_base + p.ts_offset, s.ssrc};
            write_rtp_header(h, buf, sizeof buf);
            std::memcpy(buf + kRtpHeaderBytes, c.bytes.data() + p.payload_at, n);
            send_packet(s, buf, kRtpHeaderBytes + n, due, now_ns);
            if (++s.clip_pos == c.packets.size()) {
                s.clip_pos = 0;
                ++s.capture_round;
                s.capture_ts_base += p.ts_offset + s.play->ptime_ms * 8;
                if (!s.play->loop) {
                    s.play = nullptr;
                    break;
                }
            }
        }
        s.ts = s.capture_ts_base;
        if (!s.play) s.ticking = s.dtmf_out != nullptr;
        if (s.ticking && !s.play) {
            s.tick_start_ns = now_ns;
            s.ticks = 0;
        }
        return;
    }
    const uint64_t ptime_ns = s.ptime_ms * kMsNs;
    for (;;) {
        const uint64_t due = s.tick_start_ns + s.ticks * ptime_ns;
        if (due > horizon_ns) break;
        ++s.ticks;
        if (s.dtmf_out) {
            send_dtmf(s, due, now_ns);
        } else if (s.play && s.play->clip->is_capture()) {
            break;  // DTMF sent during a capture is over: the capture's own timing takes over again
        } else if (s.play && due < s.play_end_ns) {
            send_audio(s, due, now_ns);
        } else {
            s.play = nullptr;
            s.ticking = false;
            break;
        }
        s.ts += s.ptime_ms * 8;
    }
}

void MediaEngine::send_audio(Stream& s, uint64_t due_ns, uint64_t now_ns) {
    const Clip& c = *s.play->clip;
    const size_t frame = s.ptime_ms * 8;
    uint8_t buf[kRtpHeaderBytes + 8 * 200];  // ptime up to 200 ms
    const size_t n = std::min(frame, sizeof buf - kRtpHeaderBytes);
    for (size_t i = 0; i < n; ++i) {
        buf[kRtpHeaderBytes + i] = c.bytes[s.clip_pos];
        if (++s.clip_pos == c.bytes.size()) s.clip_pos = 0;  // a clip shorter than the play loops
    }
    RtpHeader h{s.marker, static_cast<uint8_t>(c.codec), s.seq++, s.ts, s.ssrc};
    s.marker = false;
    write_rtp_header(h, buf, sizeof buf);
    send_packet(s, buf, kRtpHeaderBytes + n, due_ns, now_ns);
}

void MediaEngine::send_dtmf(Stream& s, uint64_t due_ns, uint64_t now_ns) {
    const std::string& digits = *s.dtmf_out;
    if (s.dtmf_pos >= digits.size()) {
        s.dtmf_out = nullptr;
        return;
    }
    const int ev = dtmf_event_of(digits[s.dtmf_pos]);
    const uint32_t step = s.ptime_ms * 8;
    if (s.dtmf_tick == 0) s.dtmf_ts = s.ts;  // every packet of one event carries its start time
    TelephoneEvent e;
    e.event = static_cast<uint8_t>(ev < 0 ? 0 : ev);
    const uint32_t t = s.dtmf_tick++;
    if (t < kDtmfPackets + kDtmfEndCopies) {
        e.end = t >= kDtmfPackets;
        e.duration = static_cast<uint16_t>(step * std::min(t + 1, kDtmfPackets));
        uint8_t buf[kRtpHeaderBytes + 4];
        RtpHeader h{t == 0, s.te_pt, s.seq++, s.dtmf_ts, s.ssrc};
        write_rtp_header(h, buf, sizeof buf);
        write_telephone_event(e, buf + kRtpHeaderBytes, 4);
        send_packet(s, buf, sizeof buf, due_ns, now_ns);
        if (t + 1 == kDtmfPackets + kDtmfEndCopies && stats_) stats_->counters().dtmf_sent.add();
    }
    if (s.dtmf_tick >= kDtmfPackets + kDtmfEndCopies + kDtmfGapTicks) {
        s.dtmf_tick = 0;
        if (++s.dtmf_pos >= digits.size()) s.dtmf_out = nullptr;
    }
}

bool MediaEngine::lose() {
    return config_.loss_percent > 0 &&
           static_cast<double>(rng_.next() >> 11) * 0x1.0p-53 * 100.0 < config_.loss_percent;
}

void MediaEngine::send_packet(Stream& s, const uint8_t* data, size_t len, uint64_t due_ns, uint64_t now_ns) {
    if (!s.have_remote) return;  // nowhere to send yet: the time passes all the same
    const uint16_t seq = static_cast<uint16_t>(data[2] << 8 | data[3]);
    s.sent_at[seq % 64] = now_ns;
    ++s.packets_out;
    s.octets_out += static_cast<uint32_t>(len - kRtpHeaderBytes);
    const uint64_t late = now_ns > due_ns ? now_ns - due_ns : 0;
    if (stats_) {
        stats::ShardCounters& c = stats_->counters();
        c.media_packets_out.add();
        c.media_bytes_out.add(len);
        if (late > kLateNs) c.media_late_packets.add();
        stats_->hist().media_send_late_us.record(late / 1000);
    }
    if (lose()) return;
    sockaddr_storage ss;
    const socklen_t sl = s.remote.to_sockaddr(ss);
    sendto(s.rtp_fd, data, len, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&ss), sl);
}

void MediaEngine::send_rtcp(Stream& s, uint64_t now_ns) {
    RtcpOut r;
    r.ssrc = s.ssrc;
    r.sender = s.packets_out > 0;
    r.ntp = ntp_now();
    r.rtp_timestamp = s.ts;
    r.packets = s.packets_out;
    r.octets = s.octets_out;
    if (s.rx.valid()) {
        r.has_block = true;
        r.block.ssrc = s.peer_ssrc;
        r.block.fraction_lost = static_cast<uint8_t>(std::min(255.0, s.rx.loss_fraction() * 256));
        r.block.cumulative_lost = static_cast<int32_t>(std::clamp<int64_t>(s.rx.lost(), -0x800000, 0x7fffff));
        r.block.extended_max_seq = s.rx.extended_max_seq();
        r.block.jitter = static_cast<uint32_t>(s.rx.jitter_ms() * 8);
        r.block.lsr = s.lsr;
        r.block.dlsr = s.lsr ? static_cast<uint32_t>((now_ns - s.lsr_arrival_ns) * 65536 / 1'000'000'000) : 0;
    }
    uint8_t buf[128];
    const size_t n = write_rtcp(r, buf, sizeof buf);
    sockaddr_storage ss;
    const socklen_t sl = s.remote_rtcp.to_sockaddr(ss);
    if (n && sendto(s.rtcp_fd, buf, n, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&ss), sl) > 0 && stats_)
        stats_->counters().media_rtcp_out.add();
}

void MediaEngine::poll(uint64_t now_ns) {
    if (live_ == 0) return;
    epoll_event evs[64];
    const int n = epoll_wait(epoll_fd_, evs, 64, 0);
    static thread_local uint8_t bufs[kRxBatch][kRxBytes];
    static thread_local sockaddr_storage from[kRxBatch];
    for (int i = 0; i < n; ++i) {
        const uint32_t slot = static_cast<uint32_t>(evs[i].data.u64 >> 1);
        const bool rtcp = evs[i].data.u64 & 1;
        if (slot >= streams_.size()) continue;
        Stream& s = streams_[slot];
        if (!s.open) continue;
        for (;;) {
            mmsghdr msgs[kRxBatch];
            iovec iov[kRxBatch];
            for (size_t k = 0; k < kRxBatch; ++k) {
                iov[k] = {bufs[k], kRxBytes};
                msgs[k] = {};
                msgs[k].msg_hdr.msg_iov = &iov[k];
                msgs[k].msg_hdr.msg_iovlen = 1;
                msgs[k].msg_hdr.msg_name = &from[k];
                msgs[k].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
            }
            const int got = recvmmsg(rtcp ? s.rtcp_fd : s.rtp_fd, msgs, kRxBatch, MSG_DONTWAIT, nullptr);
            if (got <= 0) break;
            for (int k = 0; k < got && s.open; ++k) {
                const std::span<const uint8_t> p(bufs[k], msgs[k].msg_len);
                if (rtcp) {
                    on_rtcp(s, p, now_ns);
                } else {
                    on_rtp(s, p, now_ns);
                    if (s.echo) {  // back to where it came from, as it came (SIPp's rtp_echo)
                        sendto(s.rtp_fd, p.data(), p.size(), MSG_DONTWAIT,
                               reinterpret_cast<sockaddr*>(&from[k]), msgs[k].msg_hdr.msg_namelen);
                        if (stats_) {
                            stats_->counters().media_packets_out.add();
                            stats_->counters().media_bytes_out.add(p.size());
                        }
                    }
                }
            }
            if (static_cast<size_t>(got) < kRxBatch) break;
        }
    }
}

void MediaEngine::on_rtp(Stream& s, std::span<const uint8_t> packet, uint64_t now_ns) {
    RtpView v;
    if (!parse_rtp(packet, v)) return;
    if (stats_) {
        stats_->counters().media_packets_in.add();
        stats_->counters().media_bytes_in.add(packet.size());
    }
    s.last_rx_ns = now_ns;
    const RtpHeader& h = v.header;
    if (h.ssrc == s.ssrc) {
        // Our own packet, echoed back: its round trip.
        const uint64_t sent = s.sent_at[h.seq % 64];
        if (sent && now_ns > sent) {
            s.echo_rtt_sum_us += (now_ns - sent) / 1000;
            ++s.echo_rtt_count;
        }
    }
    if (!s.have_peer_ssrc) {
        s.peer_ssrc = h.ssrc;
        s.have_peer_ssrc = true;
    }
    // Packets of another source (a replayed capture has its own SSRC, e.g. SIPp's DTMF after its
    // audio) still carry their digits, but only the first source is measured.
    const bool measured = h.ssrc == s.peer_ssrc;
    if (!measured && h.payload_type != s.te_pt) {
        if (stats_) stats_->counters().media_bad_packets.add();
        return;
    }
    if (h.payload_type == s.te_pt) {
        TelephoneEvent e;
        if (parse_telephone_event(v.payload, e)) {
            const size_t before = s.dtmf_in.digits().size();
            s.dtmf_in.on_packet(e, h.timestamp);
            if (s.dtmf_in.digits().size() > before) {
                if (stats_ && e.event < stats::kDtmfEvents) stats_->counters().dtmf_received[e.event].add();
                if (!s.dtmf_pending) dtmf_.push_back(s.call);  // once per stream: never beyond max_streams
                s.dtmf_pending = true;
            }
        }
    } else if (s.have_remote && h.payload_type != s.pt && stats_) {
        stats_->counters().media_bad_packets.add();
    }
    if (measured) s.rx.on_packet(h.seq, h.timestamp, now_ns, h.payload_type != s.te_pt);
}

void MediaEngine::on_rtcp(Stream& s, std::span<const uint8_t> packet, uint64_t now_ns) {
    RtcpIn in;
    if (!parse_rtcp(packet, s.ssrc, in)) return;
    if (stats_) stats_->counters().media_rtcp_in.add();
    if (in.has_sr) {
        s.lsr = in.sr_ntp_middle;
        s.lsr_arrival_ns = now_ns;
    }
    if (in.has_block_for_us) {
        const double rtt = rtcp_rtt_ms(ntp_middle(ntp_now()), in.block);
        if (rtt >= 0 && rtt < 60'000) s.rtt_ms = rtt;
    }
}

}  // namespace sipstorm::media
