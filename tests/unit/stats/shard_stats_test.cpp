#include "stats/shard_stats.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace sipstorm::stats {
namespace {

constexpr uint64_t kSec = 1'000'000'000;
constexpr uint64_t kStart = 10 * kSec;

TEST(ShardStats, NothingPublishedYet) {
    auto s = std::make_unique<ShardStats>(kStart);
    EXPECT_EQ(s->latest().seq, 0u);
}

TEST(ShardStats, PublishDueOnWholeSecondsAndOnRequest) {
    auto s = std::make_unique<ShardStats>(kStart);
    EXPECT_FALSE(s->publish_due(kStart));
    EXPECT_FALSE(s->publish_due(kStart + kSec - 1));
    EXPECT_TRUE(s->publish_due(kStart + kSec));
    s->publish(kStart + kSec + 3);
    EXPECT_FALSE(s->publish_due(kStart + 2 * kSec - 1));
    s->request_publish();
    EXPECT_TRUE(s->publish_due(kStart + kSec + 10));
    s->publish(kStart + kSec + 10);
    EXPECT_FALSE(s->publish_due(kStart + kSec + 11));
    // A late loop catches up with the grid instead of publishing once per missed second.
    EXPECT_TRUE(s->publish_due(kStart + 5 * kSec + 500));
    s->publish(kStart + 5 * kSec + 500);
    EXPECT_FALSE(s->publish_due(kStart + 6 * kSec - 1));
    EXPECT_TRUE(s->publish_due(kStart + 6 * kSec));
}

TEST(ShardStats, LatestSeesTheNewestPublication) {
    auto s = std::make_unique<ShardStats>(kStart);
    s->counters().calls_attempted.add(3);
    s->hist().setup_us.record(1500);
    s->counters().lag_max_interval_ns.raise_to(77);
    s->publish(kStart + kSec);
    const Snapshot& a = s->latest();
    EXPECT_EQ(a.seq, 1u);
    EXPECT_EQ(a.sources, 1u);
    EXPECT_EQ(a.taken_ns, kStart + kSec);
    EXPECT_EQ(a.counts.calls_attempted, 3u);
    EXPECT_EQ(a.counts.lag_max_interval_ns, 77u);
    EXPECT_EQ(a.hist.setup_us.count(), 1u);
    EXPECT_EQ(s->counters().lag_max_interval_ns.get(), 0u);  // restarts with each interval

    // Two publications without a read: the reader gets the newer one.
    s->counters().calls_attempted.add(1);
    s->publish(kStart + 2 * kSec);
    s->counters().calls_attempted.add(1);
    s->publish(kStart + 3 * kSec);
    const Snapshot& b = s->latest();
    EXPECT_EQ(b.seq, 3u);
    EXPECT_EQ(b.counts.calls_attempted, 5u);
    // No new publication: the same snapshot again.
    EXPECT_EQ(&s->latest(), &b);
    EXPECT_EQ(s->latest().seq, 3u);
}

// The shard keeps counters and histograms in lockstep; every snapshot the reporter sees must be
// internally consistent and never go backwards. Correctness only, no timing assertions.
TEST(ShardStats, ConcurrentPublishAndReadStayConsistent) {
    auto s = std::make_unique<ShardStats>(0, 1);
    constexpr uint64_t kRounds = 1000;
    std::atomic<bool> done{false};
    std::thread shard([&] {
        for (uint64_t i = 1; i <= kRounds; ++i) {
            s->counters().calls_attempted.add();
            s->hist().setup_us.record(i);
            s->hist().response_us[1].record(i);
            s->publish(i);
        }
        done = true;
    });
    uint64_t last_seq = 0, reads = 0;
    bool consistent = true;
    for (;;) {
        bool finished = done.load();
        const Snapshot& snap = s->latest();
        ++reads;
        consistent &= snap.seq >= last_seq;
        consistent &= snap.counts.calls_attempted == snap.seq;
        consistent &= snap.hist.setup_us.count() == snap.seq;
        consistent &= snap.hist.response_us[1].count() == snap.seq;
        consistent &= snap.hist.setup_us.max() == snap.seq;
        last_seq = snap.seq;
        if (finished) break;
    }
    shard.join();
    EXPECT_TRUE(consistent);
    EXPECT_EQ(s->latest().seq, kRounds);
    EXPECT_GT(reads, 0u);
}

}  // namespace
}  // namespace sipstorm::stats
