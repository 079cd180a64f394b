// What one side measures of an RTP stream it receives (RFC 3550 Appendix A): sequence validation
// with probation (A.1), extended sequence numbers, expected / lost packets (A.3), interarrival jitter
// (A.8), and the duplicates and reordered packets RFC 3550 leaves to the application. Per stream,
// fixed size, no allocation.
#pragma once
#include <cstdint>

namespace sipstorm::media {

class ReceiverStats {
  public:
    // clock_rate: the payload's RTP clock (8000 for G.711), to turn arrival times into RTP units.
    explicit ReceiverStats(uint32_t clock_rate = 8000) : clock_rate_(clock_rate) {}

    // One packet arrived at arrival_ns (any monotonic clock). Returns false when it is not counted
    // as part of the stream (still on probation, or a jump the source has not confirmed yet).
    // `timed`: the packet's timestamp tells its sampling time (false for RFC 4733 events, whose
    // packets all carry the start of their event): only those count for the jitter.
    bool on_packet(uint16_t seq, uint32_t rtp_timestamp, uint64_t arrival_ns, bool timed = true);

    uint64_t received() const { return received_; }  // counted packets (duplicates included)
    uint64_t expected() const;                       // extended highest - base + 1 (A.3)
    int64_t lost() const;                            // expected - received; < 0 with duplicates
    double loss_fraction() const;                    // lost / expected, clamped to 0..1
    uint64_t duplicates() const { return duplicates_; }
    uint64_t reordered() const { return reordered_; }  // arrived after a later sequence number
    uint32_t extended_max_seq() const { return cycles_ + max_seq_; }
    double jitter_ms() const { return jitter_ / 16.0 * 1000.0 / clock_rate_; }  // A.8, now
    double jitter_max_ms() const { return jitter_max_ / 16.0 * 1000.0 / clock_rate_; }
    bool valid() const { return probation_ == 0 && received_ > 0; }

  private:
    void init_seq(uint16_t seq);
    bool seen(uint32_t ext) const;
    void mark(uint32_t ext);

    uint32_t clock_rate_;
    uint16_t max_seq_ = 0;
    uint32_t cycles_ = 0;  // shifted count of sequence number cycles (A.1)
    uint32_t base_seq_ = 0;
    uint32_t bad_seq_ = 0;    // last 'bad' seq + 1
    uint32_t probation_ = 2;  // MIN_SEQUENTIAL packets in order before the source is valid
    bool started_ = false;
    uint64_t received_ = 0, duplicates_ = 0, reordered_ = 0;
    // Jitter in RTP units scaled by 16 (A.8 integer form); transit of the previous packet.
    uint64_t jitter_ = 0, jitter_max_ = 0;
    int64_t transit_ = 0;
    bool have_transit_ = false;
    uint64_t window_ = 0;  // bit i: extended seq (highest - i) arrived; for duplicates
};

}  // namespace sipstorm::media
