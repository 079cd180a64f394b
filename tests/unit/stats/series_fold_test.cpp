// After the first hour the series keeps one row a minute: counts add up, levels keep the latest.
#include "stats/series_fold.hpp"

#include <gtest/gtest.h>

namespace sipstorm::stats {
namespace {

SeriesRow row(double t, uint64_t attempted, uint64_t live) {
    SeriesRow r;
    r.t_s = t;
    r.interval_s = 1;
    r.counts.calls_attempted = attempted;
    r.counts.concurrent_calls = live;
    r.counts.lag_max_interval_ns = static_cast<uint64_t>(t);
    r.setup_count = attempted;
    r.setup_p50_us = 100;
    r.setup_p99_us = static_cast<uint64_t>(t);
    r.setup_max_us = static_cast<uint64_t>(t) * 2;
    return r;
}

TEST(SeriesFold, PerSecondForTheFirstHourThenPerMinute) {
    std::vector<SeriesRow> rows;
    uint64_t total = 0;
    for (int t = 1; t <= 3600 + 150; ++t) {
        append_row(rows, row(t, 10, 1000 + static_cast<uint64_t>(t)));
        total += 10;
    }
    ASSERT_EQ(rows.size(), 3600u + 3u);  // 3601..3660, 3661..3720, 3721..3750
    uint64_t sum = 0;
    for (const SeriesRow& r : rows) sum += r.counts.calls_attempted;
    EXPECT_EQ(sum, total);
    const SeriesRow& m1 = rows[3600];
    EXPECT_DOUBLE_EQ(m1.t_s, 3660);
    EXPECT_DOUBLE_EQ(m1.interval_s, 60);
    EXPECT_EQ(m1.counts.calls_attempted, 600u);
    EXPECT_EQ(m1.counts.concurrent_calls, 1000u + 3660u);  // the level at its end
    EXPECT_EQ(m1.counts.lag_max_interval_ns, 3660u);       // the worst of the minute
    EXPECT_EQ(m1.setup_count, 600u);
    EXPECT_EQ(m1.setup_p50_us, 100u);
    EXPECT_EQ(m1.setup_max_us, 7320u);
    EXPECT_DOUBLE_EQ(rows.back().t_s, 3750);
    EXPECT_DOUBLE_EQ(rows.back().interval_s, 30);
}

}  // namespace
}  // namespace sipstorm::stats
