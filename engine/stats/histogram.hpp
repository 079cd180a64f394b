// Log-linear (HDR-style) histogram of durations in microseconds, 0 to 2^32 µs (71 min, so 1 h
// fits), with at most 1/256 (0.4%) error on any reported value. Fixed size, no allocation; record()
// is a handful of instructions. Histograms of different shards, runs and machines add exactly.
//
// Layout: values below 256 µs get a bucket each (exact). Above, each power of two [2^m, 2^(m+1))
// is split into 128 equal sub-buckets of width 2^(m-7), so a bucket is never wider than 1/128 of
// its lower bound, and a value reported as the bucket midpoint is within 1/256 of the truth.
#pragma once
#include <array>
#include <bit>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>

namespace sipstorm::stats {

class Histogram {
  public:
    static constexpr unsigned kSubBits = 7;  // 128 sub-buckets per power of two
    static constexpr unsigned kSub = 1u << kSubBits;
    static constexpr unsigned kMaxBits = 32;                                // values up to 2^32 - 1 µs
    static constexpr unsigned kBuckets = (kMaxBits - kSubBits + 1) * kSub;  // 3328
    static constexpr uint64_t kMaxValue = (1ull << kMaxBits) - 1;

    static constexpr unsigned bucket_of(uint64_t us) {
        if (us < 2 * kSub) return static_cast<unsigned>(us);
        unsigned shift = static_cast<unsigned>(std::bit_width(us)) - 1 - kSubBits;  // >= 1
        return (shift + 1) * kSub + static_cast<unsigned>((us >> shift) - kSub);
    }
    static constexpr uint64_t bucket_low(unsigned b) {
        if (b < 2 * kSub) return b;
        unsigned shift = b / kSub - 1;
        return static_cast<uint64_t>(b % kSub + kSub) << shift;
    }
    static constexpr uint64_t bucket_width(unsigned b) { return b < 2 * kSub ? 1 : 1ull << (b / kSub - 1); }

    // Values above kMaxValue are clamped into the top bucket (max() still reports the true value).
    void record(uint64_t us) { record_n(us, 1); }
    void record_n(uint64_t us, uint64_t n) {
        counts_[bucket_of(us > kMaxValue ? kMaxValue : us)] += n;
        count_ += n;
        sum_ += us * n;
        if (us < min_) min_ = us;
        if (us > max_) max_ = us;
    }
    void record_ns(uint64_t ns) { record(ns / 1000); }

    void add(const Histogram& other);
    // This minus an earlier state of the same histogram: the interval in between. min/max of the
    // result are bucket bounds (within the histogram's precision), not exact values.
    void subtract(const Histogram& earlier);
    void reset() { *this = Histogram(); }

    uint64_t count() const { return count_; }
    uint64_t min() const { return count_ ? min_ : 0; }
    uint64_t max() const { return max_; }
    uint64_t sum() const { return sum_; }
    double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
    uint64_t count_at(unsigned bucket) const { return counts_[bucket]; }

    // The value at percentile p (0..100): the smallest recorded value v such that at least p% of
    // values are <= v, reported as its bucket's midpoint (clamped to [min, max]); 0 when empty.
    uint64_t percentile(double p) const;

    bool operator==(const Histogram&) const = default;

  private:
    friend void from_json(const nlohmann::json& j, Histogram& h);

    std::array<uint64_t, kBuckets> counts_{};
    uint64_t count_ = 0;
    uint64_t sum_ = 0;
    uint64_t min_ = UINT64_MAX;
    uint64_t max_ = 0;
};

// JSON: {"unit":"us","sub_bucket_bits":7,"max_bits":32,"count":..,"min":..,"max":..,"sum":..,
// "buckets":[[index,count],...]} with only non-empty buckets. from_json throws
// nlohmann::json::exception or std::invalid_argument when the layout or an index doesn't match.
void to_json(nlohmann::json& j, const Histogram& h);
void from_json(const nlohmann::json& j, Histogram& h);

}  // namespace sipstorm::stats
