// One shard's statistics and their lock-free handoff to the reporter thread.
//
// The shard writes counters (atomics, readable any time) and records into its own histograms (plain
// memory, touched only by the shard). About once a second the shard publishes a Snapshot (counters +
// histograms, consistent with each other) through a triple buffer:
//
//   slots: [back]  the shard fills it          (owned by the shard)
//          [middle] the latest complete copy    (owned by nobody: swapped atomically)
//          [front] what the reporter is reading (owned by the reporter)
//
//   publish(): fill back, then back <-> middle (atomic exchange, marking middle "fresh").
//   latest():  if middle is fresh, front <-> middle (atomic exchange); read front.
//
// Neither side ever waits for the other and a slot is never written while read: the reporter may
// take as long as it likes over a snapshot, and a shard that publishes faster than the reporter
// reads simply overwrites its own unread copy. Memory: 4 x ~510 KB per shard.
//
// When to publish: publish_due(now) is true on every whole interval since the run start (so all
// shards' snapshots describe the same instants) and whenever the reporter called request_publish().
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>

#include "stats/counters.hpp"
#include "stats/snapshot.hpp"

namespace sipstorm::stats {

class ShardStats {
  public:
    explicit ShardStats(uint64_t start_ns, uint64_t interval_ns = 1'000'000'000);
    ShardStats(const ShardStats&) = delete;
    ShardStats& operator=(const ShardStats&) = delete;

    // --- owning shard only ---
    ShardCounters& counters() { return counters_; }
    Histograms& hist() { return *hist_; }
    bool publish_due(uint64_t now_ns) const {
        return now_ns >= next_publish_ns_ || requested_.load(std::memory_order_relaxed);
    }
    void publish(uint64_t now_ns);                                 // copies ~510 KB; never blocks
    uint64_t next_publish_ns() const { return next_publish_ns_; }  // when publish_due() turns true

    // Before the shard runs: count whole intervals from this time (the run's start), as the reporter does.
    void restart(uint64_t start_ns);

    // --- any thread ---
    const ShardCounters& counters() const { return counters_; }
    void request_publish() { requested_.store(true, std::memory_order_relaxed); }

    // --- reporter thread only (one reader) ---
    // The newest published snapshot (seq == 0 before the first publish). The reference stays valid
    // and unchanged until the next latest() call.
    const Snapshot& latest();

  private:
    static constexpr uint8_t kFresh = 4;

    ShardCounters counters_;
    std::unique_ptr<Histograms> hist_;
    std::unique_ptr<Snapshot[]> slots_;  // 3
    uint8_t back_ = 0;                   // shard's
    uint8_t front_ = 1;                  // reporter's
    std::atomic<uint8_t> middle_{2};     // slot index | kFresh
    std::atomic<bool> requested_{false};
    uint64_t start_ns_;
    uint64_t interval_ns_;
    uint64_t next_publish_ns_;
    uint64_t seq_ = 0;
};

}  // namespace sipstorm::stats
