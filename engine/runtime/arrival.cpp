#include "runtime/arrival.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sipstorm::runtime {
namespace {

uint64_t shard_quota(uint64_t max_calls, uint32_t shard, uint32_t shards) {
    if (max_calls == 0) return UINT64_MAX;
    if (max_calls <= shard) return 0;
    return (max_calls - shard - 1) / shards + 1;
}

// Exponential with mean 1; 1 - u is in (0, 1] so the log is finite.
double exp1(Xoshiro256& rng) {
    return -std::log1p(-rng.uniform());
}

}  // namespace

ArrivalSchedule::ArrivalSchedule(const ArrivalConfig& config, uint64_t start_ns)
    : cfg_(config),
      start_ns_(start_ns),
      end_ns_(config.duration_ns == 0 ? kNoArrival : start_ns + config.duration_ns),
      quota_(shard_quota(config.max_calls, config.shard, std::max<uint32_t>(config.shards, 1))),
      rng_(config.seed ^ (0xA0761D6478BD642Full * (config.shard + 1))) {
    cfg_.shards = std::max<uint32_t>(cfg_.shards, 1);
    cfg_.rate_cps = std::max(cfg_.rate_cps, 0.0);
    cfg_.ramp_from_cps = std::max(cfg_.ramp_from_cps, 0.0);
    if (cfg_.pattern == ArrivalPattern::kUniform)
        x_ = cfg_.shard;
    else
        x_ = exp1(rng_) * cfg_.shards;
    compute_next();
}

double ArrivalSchedule::time_at(double x) const {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    double r0 = cfg_.ramp_from_cps, r1 = cfg_.rate_cps;
    if (r0 <= 0 && r1 <= 0) return kInf;
    double ramp_s = static_cast<double>(cfg_.ramp_ns) * 1e-9;
    double ramp_calls = 0;
    if (ramp_s > 0) {
        ramp_calls = (r0 + r1) / 2 * ramp_s;
        if (x <= ramp_calls) {
            // Solve r0 t + a t² = x with a = (r1 - r0) / 2T; this form avoids cancellation when a ≈ 0.
            double a = (r1 - r0) / (2 * ramp_s);
            double root = std::sqrt(std::max(0.0, r0 * r0 + 4 * a * x));
            double denom = r0 + root;
            return denom > 0 ? 2 * x / denom : (x <= 0 ? 0 : kInf);
        }
    }
    if (r1 <= 0) return kInf;
    return ramp_s + (x - ramp_calls) / r1;
}

void ArrivalSchedule::compute_next() {
    if (issued_ >= quota_) {
        next_ns_ = kNoArrival;
        return;
    }
    double t = time_at(x_);
    // Beyond ~292 years of run time a uint64 of ns overflows: treat as never.
    if (!(t * 1e9 < 9e18)) {
        next_ns_ = kNoArrival;
        return;
    }
    uint64_t at = start_ns_ + static_cast<uint64_t>(std::llround(t * 1e9));
    next_ns_ = at >= end_ns_ ? kNoArrival : at;
}

size_t ArrivalSchedule::next_due(uint64_t now_ns, std::span<uint64_t> out) {
    size_t n = 0;
    while (n < out.size() && next_ns_ <= now_ns) {
        out[n++] = next_ns_;
        max_lag_ns_ = std::max(max_lag_ns_, now_ns - next_ns_);
        ++issued_;
        if (cfg_.pattern == ArrivalPattern::kUniform) {
            // From the index, not by accumulation, so rounding never drifts over long runs.
            x_ = static_cast<double>(issued_) * cfg_.shards + cfg_.shard;
        } else {
            x_ += exp1(rng_) * cfg_.shards;
        }
        compute_next();
    }
    return n;
}

}  // namespace sipstorm::runtime
