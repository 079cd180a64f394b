#include "media/receiver_stats.hpp"

#include <algorithm>

namespace sipstorm::media {

namespace {
constexpr uint32_t kSeqMod = 1u << 16;
constexpr uint32_t kMaxDropout = 3000;  // A.1's values
constexpr uint32_t kMaxMisorder = 100;
constexpr uint32_t kMinSequential = 2;
}  // namespace

void ReceiverStats::init_seq(uint16_t seq) {
    base_seq_ = seq;
    max_seq_ = seq;
    bad_seq_ = kSeqMod + 1;  // so seq == bad_seq_ is false
    cycles_ = 0;
    window_ = 1;
}

bool ReceiverStats::seen(uint32_t ext) const {
    const uint32_t top = extended_max_seq();
    return ext <= top && top - ext < 64 && (window_ >> (top - ext) & 1);
}

void ReceiverStats::mark(uint32_t ext) {
    const uint32_t top = extended_max_seq();
    if (ext <= top && top - ext < 64) window_ |= uint64_t{1} << (top - ext);
}

bool ReceiverStats::on_packet(uint16_t seq, uint32_t rtp_timestamp, uint64_t arrival_ns, bool timed) {
    if (!started_) {
        // A.1: a new source is on probation until kMinSequential packets came in order. Unlike A.1
        // we count the probation packets too, so a stream's loss is exact from its first packet.
        started_ = true;
        base_seq_ = seq;
        max_seq_ = static_cast<uint16_t>(seq - 1);
        probation_ = kMinSequential;
    }
    const uint16_t udelta = static_cast<uint16_t>(seq - max_seq_);
    bool fresh = true;  // a packet we had not seen, for the jitter
    if (probation_ > 0) {
        if (seq == static_cast<uint16_t>(max_seq_ + 1)) {
            --probation_;
            max_seq_ = seq;
            if (probation_ == 0) {
                const uint16_t first = static_cast<uint16_t>(seq - (kMinSequential - 1));
                init_seq(seq);
                base_seq_ = first;
                if (first > seq) cycles_ = kSeqMod;  // the run crossed 65535: seq is in the next cycle
                window_ = (uint64_t{1} << kMinSequential) - 1;
                received_ = kMinSequential;
            }
        } else {
            probation_ = kMinSequential - 1;
            base_seq_ = seq;
            max_seq_ = seq;
        }
        if (probation_ > 0) return false;
    } else if (udelta == 0) {
        ++received_;
        ++duplicates_;
        return true;
    } else if (udelta < kMaxDropout) {
        if (seq < max_seq_) cycles_ += kSeqMod;  // wrapped around
        const uint32_t shift = udelta;
        max_seq_ = seq;
        window_ = shift >= 64 ? 1 : (window_ << shift) | 1;
        ++received_;
    } else if (udelta <= kSeqMod - kMaxMisorder) {
        // A very large jump: a restart of the source if the next packet follows it.
        if (seq == bad_seq_) {
            init_seq(seq);
            ++received_;
        } else {
            bad_seq_ = (seq + 1u) & (kSeqMod - 1);
            return false;
        }
    } else {
        // Behind the highest: a duplicate, or one that arrived after a later packet.
        const uint32_t behind = kSeqMod - udelta;
        const uint32_t ext = extended_max_seq() - behind;
        ++received_;
        if (seen(ext)) {
            ++duplicates_;
            fresh = false;
        } else {
            ++reordered_;
            mark(ext);
        }
    }
    if (fresh && timed) {
        // A.8: transit times in RTP units; their differences are what counts, so 32 bits wrap fine.
        const uint64_t arrival =
            static_cast<uint64_t>(static_cast<unsigned __int128>(arrival_ns) * clock_rate_ / 1'000'000'000u);
        const uint32_t transit = static_cast<uint32_t>(arrival) - rtp_timestamp;
        if (have_transit_) {
            int32_t d = static_cast<int32_t>(transit - static_cast<uint32_t>(transit_));
            if (d < 0) d = -d;
            jitter_ += static_cast<uint64_t>(d) - ((jitter_ + 8) >> 4);  // J += (|D| - J) / 16, scaled by 16
            jitter_max_ = std::max(jitter_max_, jitter_);
        }
        transit_ = transit;
        have_transit_ = true;
    }
    return true;
}

uint64_t ReceiverStats::expected() const {
    if (!valid()) return 0;
    return uint64_t{extended_max_seq()} - base_seq_ + 1;
}

int64_t ReceiverStats::lost() const {
    return static_cast<int64_t>(expected()) - static_cast<int64_t>(received_ - duplicates_);
}

double ReceiverStats::loss_fraction() const {
    const uint64_t e = expected();
    if (e == 0) return 0;
    return std::clamp(static_cast<double>(lost()) / static_cast<double>(e), 0.0, 1.0);
}

}  // namespace sipstorm::media
