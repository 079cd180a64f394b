// One shard's RTP streams: a UDP port pair (RTP, RTCP = RTP + 1) per call from the shard's stripe of
// --rtp-ports, opened when the call first names ${media_port} and closed when the call ends; packets
// sent at their ptime marks from a schedule of its own (a heap of due times, nanosecond precise),
// received through one epoll set, measured per stream (RFC 3550), echoed when asked, DTMF sent and
// collected (RFC 4733), RTCP every few seconds. The call engine drives it with a small interface and
// never sees a socket; nothing here allocates per packet.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "media/action.hpp"
#include "media/dtmf.hpp"
#include "media/receiver_stats.hpp"
#include "net/address.hpp"
#include "runtime/prng.hpp"

namespace sipstorm::stats {
class ShardStats;
}

namespace sipstorm::media {

inline constexpr uint64_t kLateNs = 10'000'000;  // a packet sent this late counts as late

struct MediaConfig {
    uint16_t port_lo = 10000, port_hi = 59999;  // RTP ports are the even ones in this range
    unsigned shard = 0, shards = 1;             // each shard takes every shards-th port pair
    net::Address local;                         // address to bind (its port is ignored)
    uint64_t media_timeout_ns = 5'000'000'000;  // no RTP for this long fails the call (0: never)
    double loss_percent = 0;                    // --loss: drop this share of the packets we send
    uint64_t seed = 1;
    uint32_t max_streams = 4096;  // streams open at once on this shard
};

// A call, as the media engine names it: the call table's index and generation.
struct CallRef {
    uint32_t index = 0, generation = 0;
};

class MediaEngine {
  public:
    explicit MediaEngine(const MediaConfig& config, stats::ShardStats* stats = nullptr);
    ~MediaEngine();
    MediaEngine(const MediaEngine&) = delete;
    MediaEngine& operator=(const MediaEngine&) = delete;

    // The call's RTP port, opening its stream on first use; 0 when no port pair is free.
    uint16_t port_of(CallRef call);
    // The port of an open stream, or 0.
    uint16_t port(CallRef call) const {
        const Stream* s = find(call);
        return s ? stream_port(*s) : 0;
    }
    // The peer's SDP (an offer or an answer): where to send, the payload type, telephone-event.
    void on_remote_sdp(CallRef call, std::string_view body, uint64_t now_ns);
    // A scenario step.
    void apply(CallRef call, const MediaAction& action, uint64_t now_ns);
    // The payload type the stream sends: from the peer's SDP (the first G.711 of an offer), else 0.
    uint8_t payload_type(CallRef call) const;
    // The digits received so far on the call's stream.
    std::string_view dtmf_received(CallRef call) const;
    // The call ended: its figures go into the shard's statistics, its ports back to the pool.
    void end(CallRef call);

    // The shard loop: a descriptor to sleep on, receiving, sending what is due, the next due time.
    int wait_fd() const { return epoll_fd_; }
    void poll(uint64_t now_ns);
    void advance(uint64_t now_ns);
    uint64_t next_deadline_ns() const;
    // Calls whose stream received no RTP for media_timeout_ns (each once); the caller fails them.
    std::span<const CallRef> take_timeouts();
    // Calls whose stream received a digit since the last call (each once per poll); for recv = "dtmf".
    std::span<const CallRef> take_dtmf();
    size_t live_streams() const { return live_; }

  private:
    struct Stream;
    Stream* find(CallRef call);
    const Stream* find(CallRef call) const;
    static uint16_t stream_port(const Stream& s);
    void close(Stream& s);
    void schedule(Stream& s);
    void service(Stream& s, uint64_t now_ns, uint64_t horizon_ns);  // sends what is due by horizon_ns
    void send_audio(Stream& s, uint64_t due_ns, uint64_t now_ns);
    void send_dtmf(Stream& s, uint64_t due_ns, uint64_t now_ns);
    void send_rtcp(Stream& s, uint64_t now_ns);
    void send_packet(Stream& s, const uint8_t* data, size_t len, uint64_t due_ns, uint64_t now_ns);
    void on_rtp(Stream& s, std::span<const uint8_t> packet, uint64_t now_ns);
    void on_rtcp(Stream& s, std::span<const uint8_t> packet, uint64_t now_ns);
    uint64_t stream_deadline(const Stream& s) const;
    bool lose();

    MediaConfig config_;
    stats::ShardStats* stats_;
    int epoll_fd_ = -1;
    std::vector<Stream> streams_;       // max_streams slots
    std::vector<uint32_t> free_slots_;  // LIFO
    std::vector<uint16_t> free_ports_;  // FIFO ring of RTP ports: a port is reused last
    size_t port_head_ = 0, port_count_ = 0;
    // Call index -> stream slot + 1 (0: none); grows with the highest call index seen.
    std::vector<uint32_t> by_call_;
    struct Due {
        uint64_t at;
        uint32_t slot, stamp;
        bool operator>(const Due& o) const { return at > o.at; }
    };
    std::vector<Due> heap_;                   // min-heap of stream due times (stale entries skipped by stamp)
    std::vector<CallRef> timeouts_, handed_;  // handed_: what take_timeouts() returned last
    std::vector<CallRef> dtmf_, dtmf_handed_;
    size_t live_ = 0;
    runtime::Xoshiro256 rng_;
};

}  // namespace sipstorm::media
