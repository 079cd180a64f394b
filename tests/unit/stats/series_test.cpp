#include "stats/series.hpp"

#include <gtest/gtest.h>

#include "stats/shard_stats.hpp"

namespace sipstorm::stats {
namespace {

constexpr uint64_t kSec = 1'000'000'000;
constexpr uint64_t kStart = 100 * kSec;

// A shard's cumulative reading: `attempted` calls so far, `live` of them up, setups of 1 ms each.
Snapshot reading(uint64_t seq, uint64_t at, uint32_t interval, bool closes, uint64_t attempted,
                 uint64_t live) {
    Snapshot s;
    s.seq = seq;
    s.sources = 1;
    s.taken_ns = at;
    s.interval = interval;
    s.closes_interval = closes;
    s.counts.calls_attempted = attempted;
    s.counts.concurrent_calls = live;
    s.hist.setup_us.record_n(1000, attempted);
    return s;
}

TEST(Series, ARowWaitsForEveryShardAndAddsTheirSeconds) {
    SeriesBuilder b(2, kStart);
    b.observe(0, reading(1, kStart + kSec + 5, 1, true, 10, 3));
    EXPECT_TRUE(b.take_ready().empty());                          // shard 1 has not closed second 1
    b.observe(1, reading(1, kStart + kSec / 2, 1, false, 4, 1));  // asked for mid-second
    EXPECT_TRUE(b.take_ready().empty());
    b.observe(1, reading(1, kStart + kSec / 2, 1, false, 4, 1));  // the same reading again: ignored
    b.observe(1, reading(2, kStart + kSec + 9, 1, true, 7, 2));
    std::vector<SeriesRow> rows = b.take_ready();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_DOUBLE_EQ(rows[0].t_s, 1.0);
    EXPECT_DOUBLE_EQ(rows[0].interval_s, 1.0);
    EXPECT_EQ(rows[0].counts.calls_attempted, 17u);
    EXPECT_EQ(rows[0].counts.concurrent_calls, 5u);  // each shard's level at the end of the second
    EXPECT_EQ(rows[0].setup_count, 17u);
    EXPECT_TRUE(b.take_ready().empty());  // each row once

    b.observe(0, reading(2, kStart + 2 * kSec + 1, 2, true, 25, 4));
    b.observe(1, reading(3, kStart + 2 * kSec + 3, 2, true, 9, 0));
    rows = b.take_ready();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].counts.calls_attempted, 15u + 2u);
    EXPECT_EQ(rows[0].counts.concurrent_calls, 4u);
}

TEST(Series, AShardThatSkippedABoundaryCountsItsEventsInTheSecondItPublished) {
    SeriesBuilder b(1, kStart);
    b.observe(0, reading(1, kStart + kSec, 1, true, 5, 0));
    b.observe(0, reading(2, kStart + 3 * kSec + 2, 3, true, 11, 0));  // stalled over second 2
    std::vector<SeriesRow> rows = b.take_ready();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_DOUBLE_EQ(rows[0].t_s, 1.0);
    EXPECT_DOUBLE_EQ(rows[1].t_s, 3.0);
    EXPECT_EQ(rows[1].counts.calls_attempted, 6u);
}

TEST(Series, FinishHandsOutThePartialLastSecondAndTheRowsAddUp) {
    SeriesBuilder b(2, kStart);
    b.observe(0, reading(1, kStart + kSec, 1, true, 8, 0));
    b.observe(1, reading(1, kStart + kSec, 1, true, 6, 0));
    b.observe(0, reading(2, kStart + 2 * kSec, 2, true, 20, 0));
    b.observe(1, reading(2, kStart + kSec + kSec / 4, 2, false, 9, 0));  // its final reading
    b.observe(0, reading(3, kStart + 2 * kSec + kSec / 2, 3, false, 21, 0));
    std::vector<SeriesRow> rows = b.take_ready();
    ASSERT_EQ(rows.size(), 1u);
    for (const SeriesRow& r : b.finish()) rows.push_back(r);
    ASSERT_EQ(rows.size(), 3u);
    uint64_t sum = 0;
    for (const SeriesRow& r : rows) sum += r.counts.calls_attempted;
    EXPECT_EQ(sum, 21u + 9u);
    EXPECT_EQ(rows[1].counts.calls_attempted, 12u + 3u);
    EXPECT_DOUBLE_EQ(rows[2].t_s, 2.5);
    EXPECT_DOUBLE_EQ(rows[2].interval_s, 0.5);
    EXPECT_EQ(rows[2].counts.calls_attempted, 1u);
}

TEST(Series, ShardStatsStampTheSecondOfTheirEvents) {
    ShardStats st(0, kSec);
    st.restart(kStart);
    st.publish(kStart + kSec / 2);  // between boundaries: second 1, still running
    Snapshot s = st.latest();
    EXPECT_EQ(s.interval, 1u);
    EXPECT_FALSE(s.closes_interval);
    st.publish(kStart + kSec + 10);  // the first pass after boundary 1 closes second 1
    s = st.latest();
    EXPECT_EQ(s.interval, 1u);
    EXPECT_TRUE(s.closes_interval);
    st.publish(kStart + kSec + 20);
    s = st.latest();
    EXPECT_EQ(s.interval, 2u);
    EXPECT_FALSE(s.closes_interval);
    st.publish(kStart + 4 * kSec + 1);  // three boundaries at once
    s = st.latest();
    EXPECT_EQ(s.interval, 4u);
    EXPECT_TRUE(s.closes_interval);
}

}  // namespace
}  // namespace sipstorm::stats
