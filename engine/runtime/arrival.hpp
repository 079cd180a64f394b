// When calls should start: the arrival schedule behind --rate. Every call gets an intended start
// time from here, and latencies are measured from it, so a generator that falls behind shows up as
// latency and lag instead of silently stretching the schedule (no coordinated omission).
//
// The schedule lives in "arrival space": x = Λ(t) = ∫ rate, the expected number of calls by time t
// (whole run, all shards). Uniform puts the n-th call at Λ(t) = n; Poisson steps x by exponential
// gaps of mean 1 (a unit-rate process mapped through Λ⁻¹ is a Poisson process with the given rate,
// ramp included).
//
// Shard split: shard i of K takes every K-th point of arrival space (x = i, i+K, i+2K, ... for
// uniform; gaps of mean K for Poisson). For uniform the K shards together produce exactly the
// one-shard schedule, interleaved. For Poisson each shard is an independent process of rate/K (its
// own seed), and the sum of independent Poisson processes is again Poisson with the full rate.
// max_calls is split the same way (shard i gets the indices n < max_calls with n % K == i).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "runtime/prng.hpp"

namespace sipstorm::runtime {

enum class ArrivalPattern : uint8_t { kUniform, kPoisson };

inline constexpr uint64_t kNoArrival = UINT64_MAX;

struct ArrivalConfig {
    double rate_cps = 10;      // target rate of the whole run (all shards); 0 = no calls
    double ramp_from_cps = 0;  // the rate at start when ramping
    uint64_t ramp_ns = 0;      // linear ramp from ramp_from_cps to rate_cps; 0 = start at rate_cps
    ArrivalPattern pattern = ArrivalPattern::kUniform;
    uint64_t seed = 1;   // Poisson only; mixed with the shard index
    uint32_t shard = 0;  // this schedule is shard `shard` of `shards`
    uint32_t shards = 1;
    uint64_t max_calls = 0;    // whole run; 0 = unlimited
    uint64_t duration_ns = 0;  // no call is intended at or after start + duration; 0 = unlimited
};

class ArrivalSchedule {
  public:
    ArrivalSchedule(const ArrivalConfig& config, uint64_t start_ns);

    // Takes the calls due by now (intended time <= now), oldest first, at most out.size() of them,
    // writing their intended start times into out. Returns how many. Calls the caller cannot start
    // yet (concurrency cap, TX full) stay pending: pass a shorter span and the backlog shows in lag_ns().
    size_t next_due(uint64_t now_ns, std::span<uint64_t> out);

    // Intended time of the next pending call, kNoArrival when the schedule is over: the loop may
    // sleep until then.
    uint64_t peek_ns() const { return next_ns_; }
    bool finished() const { return next_ns_ == kNoArrival; }

    // How far behind schedule this shard is now: the age of the oldest pending due call, 0 when none.
    uint64_t lag_ns(uint64_t now_ns) const { return next_ns_ <= now_ns ? now_ns - next_ns_ : 0; }
    // Largest start delay (now - intended) of any call taken so far.
    uint64_t max_lag_ns() const { return max_lag_ns_; }

    uint64_t issued() const { return issued_; }  // calls taken by this shard so far
    uint64_t quota() const { return quota_; }    // calls this shard may take (UINT64_MAX: no limit)

    // Seconds from start at which arrival space reaches x (the inverse of Λ); +inf if never.
    double time_at(double x) const;

  private:
    void compute_next();

    ArrivalConfig cfg_;
    uint64_t start_ns_;
    uint64_t end_ns_;  // kNoArrival when unlimited
    uint64_t quota_;
    uint64_t issued_ = 0;
    uint64_t max_lag_ns_ = 0;
    double x_ = 0;  // arrival-space position of the next call
    uint64_t next_ns_ = kNoArrival;
    Xoshiro256 rng_;
};

}  // namespace sipstorm::runtime
