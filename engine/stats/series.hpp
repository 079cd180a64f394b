// The exact per-second series of a run, built from each shard's snapshots.
//
// Every shard publishes a snapshot on each whole second of the run (and when asked, and at the end),
// stamped with the second its events belong to (Snapshot::interval, closes_interval). The builder
// differences each shard's snapshots against that shard's own previous second, adds the differences
// of all shards by second, and hands out a second's row once every shard is past it. So every event
// is counted in the second it happened in, on whichever shard, and the rows add up to the totals
// exactly, however late the reporter reads or however the shards' publications interleave.
//
// Reporter thread only. Keeps two snapshots per shard and one per second not yet handed out.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "stats/snapshot.hpp"

namespace sipstorm::stats {

class SeriesBuilder {
  public:
    SeriesBuilder(unsigned shards, uint64_t run_start_ns, uint64_t interval_ns = 1'000'000'000);

    // A shard's newest snapshot (as ShardStats::latest() gives it); one seen already is ignored.
    void observe(unsigned shard, const Snapshot& s);
    // The newest snapshot observed of each shard (seq 0 before the first).
    const Snapshot& latest(unsigned shard) const { return shards_[shard].cur; }

    // Rows of the seconds every shard is past, in order, each once.
    std::vector<SeriesRow> take_ready();
    // At the end, after the last observe(): the rows of every second still open.
    std::vector<SeriesRow> finish();

  private:
    struct Shard {
        Snapshot base;      // the end of the last second this shard contributed
        Snapshot cur;       // its newest snapshot
        bool open = false;  // cur holds events not yet contributed (a second still running)
        uint32_t done = 0;  // seconds 1..done are over for this shard
    };
    struct Second {
        Snapshot sum;
        uint64_t end_ns = 0;
    };
    void contribute(Shard& sh);
    std::vector<SeriesRow> take_through(uint32_t last);

    std::vector<Shard> shards_;
    std::map<uint32_t, std::unique_ptr<Second>> pending_;
    uint64_t start_ns_, interval_ns_;
};

}  // namespace sipstorm::stats
