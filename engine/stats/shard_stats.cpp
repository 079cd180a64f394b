#include "stats/shard_stats.hpp"

#include <algorithm>

namespace sipstorm::stats {

ShardStats::ShardStats(uint64_t start_ns, uint64_t interval_ns)
    : hist_(std::make_unique<Histograms>()),
      slots_(std::make_unique<Snapshot[]>(3)),
      start_ns_(start_ns),
      interval_ns_(interval_ns == 0 ? 1 : interval_ns),
      next_publish_ns_(start_ns + interval_ns_) {}

void ShardStats::publish(uint64_t now_ns) {
    Snapshot& s = slots_[back_];
    s.seq = ++seq_;
    s.taken_ns = now_ns;
    // On a boundary (the first pass after it), the events so far belong to the second that just
    // ended; between boundaries, to the one still running.
    const uint64_t whole = (now_ns - std::min(now_ns, start_ns_)) / interval_ns_;
    s.closes_interval = now_ns >= next_publish_ns_;
    s.interval = static_cast<uint32_t>(s.closes_interval ? whole : whole + 1);
    s.sources = 1;
    s.counts = load(counters_);
    s.hist = *hist_;
    counters_.lag_max_interval_ns.set(0);
    requested_.store(false, std::memory_order_relaxed);
    // acq_rel: the release publishes the slot's contents; the acquire makes sure the reporter has
    // finished with the slot we get back before we start writing it.
    back_ = middle_.exchange(static_cast<uint8_t>(back_ | kFresh), std::memory_order_acq_rel) & 3;
    if (now_ns >= next_publish_ns_) {
        uint64_t periods = (now_ns - start_ns_) / interval_ns_ + 1;
        next_publish_ns_ = start_ns_ + periods * interval_ns_;
    }
}

void ShardStats::restart(uint64_t start_ns) {
    start_ns_ = start_ns;
    next_publish_ns_ = start_ns + interval_ns_;
}

const Snapshot& ShardStats::latest() {
    if (middle_.load(std::memory_order_relaxed) & kFresh)
        front_ = middle_.exchange(front_, std::memory_order_acq_rel) & 3;
    return slots_[front_];
}

}  // namespace sipstorm::stats
