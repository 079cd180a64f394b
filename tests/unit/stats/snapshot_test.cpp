#include "stats/snapshot.hpp"

#include <gtest/gtest.h>

namespace sipstorm::stats {
namespace {

constexpr uint64_t kSec = 1'000'000'000;

std::unique_ptr<Snapshot> shard_snapshot(uint64_t attempted, uint64_t concurrent, uint64_t lag,
                                         uint64_t setup_us, uint64_t at) {
    auto s = std::make_unique<Snapshot>();
    s->seq = 1;
    s->sources = 1;
    s->taken_ns = at;
    s->counts.calls_attempted = attempted;
    s->counts.concurrent_calls = concurrent;
    s->counts.lag_max_ns = lag;
    for (uint64_t i = 0; i < attempted; ++i) s->hist.setup_us.record(setup_us);
    s->hist.response_us[2].record(setup_us);
    return s;
}

TEST(Snapshot, MergeAcrossShards) {
    auto a = shard_snapshot(10, 4, 5, 1000, 3 * kSec);
    auto b = shard_snapshot(30, 6, 9, 3000, 3 * kSec + 7);
    const Snapshot* parts[] = {a.get(), b.get(), nullptr};
    auto m = merge(parts);
    EXPECT_EQ(m->sources, 2u);
    EXPECT_EQ(m->taken_ns, 3 * kSec + 7);
    EXPECT_EQ(m->counts.calls_attempted, 40u);
    EXPECT_EQ(m->counts.concurrent_calls, 10u);
    EXPECT_EQ(m->counts.lag_max_ns, 9u);
    EXPECT_EQ(m->hist.setup_us.count(), 40u);
    EXPECT_NEAR(static_cast<double>(m->hist.setup_us.percentile(50)), 3000.0, 30.0);
    EXPECT_EQ(m->hist.response_us[2].count(), 2u);
}

TEST(Snapshot, Delta) {
    auto earlier = shard_snapshot(10, 4, 5, 1000, 11 * kSec);
    auto later = std::make_unique<Snapshot>(*earlier);
    later->taken_ns = 12 * kSec;
    later->counts.calls_attempted = 25;
    later->counts.concurrent_calls = 7;
    later->counts.lag_max_interval_ns = 2'000'000;
    for (int i = 0; i < 15; ++i) later->hist.setup_us.record(20'000);
    earlier->hist.timer_late_us.record(900);  // before the interval: not in the row
    later->hist.timer_late_us.record(900);
    for (int i = 0; i < 200; ++i) later->hist.timer_late_us.record(3);
    later->hist.timer_late_us.record(70);

    auto d = std::make_unique<Snapshot>();
    delta(*later, *earlier, *d);
    EXPECT_EQ(d->counts.calls_attempted, 15u);
    EXPECT_EQ(d->counts.concurrent_calls, 7u);
    EXPECT_EQ(d->hist.setup_us.count(), 15u);

}

}  // namespace
}  // namespace sipstorm::stats
