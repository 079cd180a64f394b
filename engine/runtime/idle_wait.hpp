// When an idle shard wakes: the earliest thing it must do itself (a timer, a scheduled call start, a
// statistics publish), bounded so that a forgotten source can never make it sleep for long. Datagrams
// and other threads wake it through its wait set instead (the sockets, its Doorbell).
//
// A timed wait returns late by the kernel's (and on a VM the hypervisor's) wake-up latency: 20-60 µs
// typically, hundreds of µs in the tail on a busy machine. So the shard sleeps until the deadline
// minus its recent wake-up latency (WakeLatency) and polls for the rest: a few tens of µs of spinning
// per deadline buy a deadline met on time, and an idle shard (no deadline) never spins.
#pragma once
#include <time.h>

#include <algorithm>
#include <cstdint>

namespace sipstorm::runtime {

inline constexpr uint64_t kNever = UINT64_MAX;

class WakeTime {
  public:
    // At the latest now + max_sleep_ns.
    WakeTime(uint64_t now_ns, uint64_t max_sleep_ns)
        : now_(now_ns), at_(max_sleep_ns > kNever - now_ns ? kNever : now_ns + max_sleep_ns) {}

    // Something is due at deadline_ns (kNever: nothing).
    void due_at(uint64_t deadline_ns) { at_ = std::min(at_, deadline_ns); }

    uint64_t at() const { return at_; }
    // Something is due within early_ns (the wake-up latency): poll, don't sleep.
    bool due_now(uint64_t early_ns = 0) const { return at_ <= now_ || at_ - now_ <= early_ns; }
    // The wait's timeout (ppoll, nanosecond precision): until early_ns before the wake time; zero
    // when that has come.
    timespec timeout(uint64_t early_ns = 0) const {
        const uint64_t ns = due_now(early_ns) ? 0 : at_ - now_ - early_ns;
        return timespec{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    }

  private:
    uint64_t now_;
    uint64_t at_;
};

// The recent wake-up latency of one thread's timed waits: how much later than asked a wait that timed
// out returned. A moving average (1/8 weight on each new sample); early_ns() is the head start to
// give the next wait: 1.5 x the average, at most kMaxEarlyNs (so a stalled machine cannot turn the
// shard into a spinner).
class WakeLatency {
  public:
    static constexpr uint64_t kMaxEarlyNs = 200'000;
    static constexpr uint64_t kInitialNs = 50'000;

    // A wait asked to return at asked_ns timed out and the thread ran again at now_ns.
    void observe(uint64_t asked_ns, uint64_t now_ns) {
        const uint64_t late = std::min<uint64_t>(now_ns > asked_ns ? now_ns - asked_ns : 0, 4 * kMaxEarlyNs);
        avg_ns_ = avg_ns_ - avg_ns_ / 8 + late / 8;
    }
    uint64_t average_ns() const { return avg_ns_; }
    uint64_t early_ns() const { return std::min(avg_ns_ + avg_ns_ / 2, kMaxEarlyNs); }

  private:
    uint64_t avg_ns_ = kInitialNs;
};

// How late something due at deadline_ns is handled at now_ns; 0 when not late (or nothing was due).
inline uint64_t lateness_ns(uint64_t deadline_ns, uint64_t now_ns) {
    return deadline_ns <= now_ns ? now_ns - deadline_ns : 0;
}

}  // namespace sipstorm::runtime
