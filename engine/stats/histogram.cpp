#include "stats/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace sipstorm::stats {

void Histogram::add(const Histogram& other) {
    for (unsigned b = 0; b < kBuckets; ++b) counts_[b] += other.counts_[b];
    count_ += other.count_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
}

void Histogram::subtract(const Histogram& earlier) {
    unsigned lo = kBuckets, hi = 0;
    for (unsigned b = 0; b < kBuckets; ++b) {
        counts_[b] -= std::min(counts_[b], earlier.counts_[b]);
        if (counts_[b]) {
            lo = std::min(lo, b);
            hi = b;
        }
    }
    count_ -= std::min(count_, earlier.count_);
    sum_ -= std::min(sum_, earlier.sum_);
    if (count_ == 0) {
        min_ = UINT64_MAX;
        max_ = 0;
        return;
    }
    // Exact extremes of the interval are gone; keep them inside the buckets that hold them.
    min_ = std::max(min_, bucket_low(lo));
    max_ = std::min(max_, bucket_low(hi) + bucket_width(hi) - 1);
    if (min_ > max_) min_ = max_;
}

uint64_t Histogram::percentile(double p) const {
    if (count_ == 0) return 0;
    p = std::clamp(p, 0.0, 100.0);
    uint64_t rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
    rank = std::clamp<uint64_t>(rank, 1, count_);
    uint64_t seen = 0;
    for (unsigned b = 0; b < kBuckets; ++b) {
        seen += counts_[b];
        if (seen >= rank) {
            uint64_t mid = bucket_low(b) + (bucket_width(b) - 1) / 2;
            return std::clamp(mid, min(), max_);
        }
    }
    return max_;
}

void to_json(nlohmann::json& j, const Histogram& h) {
    nlohmann::json buckets = nlohmann::json::array();
    for (unsigned b = 0; b < Histogram::kBuckets; ++b)
        if (uint64_t c = h.count_at(b)) buckets.push_back({b, c});
    j = nlohmann::json{{"unit", "us"},
                       {"sub_bucket_bits", Histogram::kSubBits},
                       {"max_bits", Histogram::kMaxBits},
                       {"count", h.count()},
                       {"min", h.min()},
                       {"max", h.max()},
                       {"sum", h.sum()},
                       {"buckets", std::move(buckets)}};
}

void from_json(const nlohmann::json& j, Histogram& h) {
    if (j.at("unit").get<std::string>() != "us" ||
        j.at("sub_bucket_bits").get<unsigned>() != Histogram::kSubBits ||
        j.at("max_bits").get<unsigned>() != Histogram::kMaxBits)
        throw std::invalid_argument("histogram: unsupported layout");
    Histogram out;
    uint64_t total = 0;
    for (const auto& pair : j.at("buckets")) {
        unsigned b = pair.at(0).get<unsigned>();
        if (b >= Histogram::kBuckets) throw std::invalid_argument("histogram: bucket index out of range");
        uint64_t c = pair.at(1).get<uint64_t>();
        out.counts_[b] += c;
        total += c;
    }
    out.count_ = j.at("count").get<uint64_t>();
    if (out.count_ != total) throw std::invalid_argument("histogram: count does not match the buckets");
    out.sum_ = j.at("sum").get<uint64_t>();
    out.max_ = j.at("max").get<uint64_t>();
    out.min_ = total ? j.at("min").get<uint64_t>() : UINT64_MAX;
    h = out;
}

}  // namespace sipstorm::stats
