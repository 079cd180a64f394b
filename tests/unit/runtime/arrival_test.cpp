#include "runtime/arrival.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace sipstorm::runtime {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kSec = 1'000'000'000;
constexpr uint64_t kStart = 5 * kSec;

// Drives a schedule with a simulated loop that wakes every `step` ns until `until`.
std::vector<uint64_t> run(ArrivalSchedule& s, uint64_t until, uint64_t step = kMs) {
    std::vector<uint64_t> all;
    uint64_t buf[64];
    for (uint64_t now = kStart; now <= until; now += step) {
        size_t n;
        while ((n = s.next_due(now, buf)) > 0) {
            for (size_t i = 0; i < n; ++i) {
                EXPECT_LE(buf[i], now);
                all.push_back(buf[i]);
            }
        }
        EXPECT_EQ(s.lag_ns(now), 0u);
    }
    return all;
}

TEST(Arrival, UniformExactCountsOverOneSecond) {
    ArrivalConfig c;
    c.rate_cps = 1000;
    ArrivalSchedule s(c, kStart);
    std::vector<uint64_t> t = run(s, kStart + kSec - 1);
    ASSERT_EQ(t.size(), 1000u);
    for (size_t i = 0; i < t.size(); ++i) EXPECT_EQ(t[i], kStart + i * kMs);
    EXPECT_EQ(s.peek_ns(), kStart + kSec);
}

TEST(Arrival, UniformOddRateHasNoDrift) {
    ArrivalConfig c;
    c.rate_cps = 3;  // 333.33 ms apart
    ArrivalSchedule s(c, kStart);
    std::vector<uint64_t> t = run(s, kStart + 3600 * kSec - 1, 7 * kMs);
    EXPECT_EQ(t.size(), 3u * 3600u);
    EXPECT_EQ(t.back(), kStart + 3600 * kSec - 333'333'333);
}

TEST(Arrival, ShardsTogetherReproduceTheSingleShardSchedule) {
    ArrivalConfig c;
    c.rate_cps = 777;
    c.ramp_from_cps = 10;
    c.ramp_ns = 2 * kSec;
    ArrivalSchedule whole(c, kStart);
    std::vector<uint64_t> expect = run(whole, kStart + 5 * kSec);
    std::vector<uint64_t> merged;
    for (uint32_t i = 0; i < 3; ++i) {
        ArrivalConfig sc = c;
        sc.shard = i;
        sc.shards = 3;
        ArrivalSchedule part(sc, kStart);
        std::vector<uint64_t> t = run(part, kStart + 5 * kSec);
        merged.insert(merged.end(), t.begin(), t.end());
    }
    std::sort(merged.begin(), merged.end());
    EXPECT_EQ(merged, expect);
}

// run --shard-of: process p of P with K_p shards gives its shard i the index p + P*i of P*K_p. The
// processes' schedules together are the one-process schedule, however many shards each has.
TEST(Arrival, ProcessesWithDifferentShardCountsReproduceTheWholeSchedule) {
    ArrivalConfig c;
    c.rate_cps = 500;
    c.max_calls = 1001;
    ArrivalSchedule whole(c, kStart);
    std::vector<uint64_t> expect = run(whole, kStart + 3 * kSec);
    ASSERT_EQ(expect.size(), 1001u);
    const uint32_t processes = 2, shards_of[] = {2, 3};
    std::vector<uint64_t> merged;
    for (uint32_t p = 0; p < processes; ++p) {
        size_t mine = 0;
        for (uint32_t i = 0; i < shards_of[p]; ++i) {
            ArrivalConfig sc = c;
            sc.shard = p + processes * i;
            sc.shards = processes * shards_of[p];
            ArrivalSchedule part(sc, kStart);
            std::vector<uint64_t> t = run(part, kStart + 3 * kSec);
            mine += t.size();
            merged.insert(merged.end(), t.begin(), t.end());
        }
        EXPECT_EQ(mine, p == 0 ? 501u : 500u);  // its share of --calls
    }
    std::sort(merged.begin(), merged.end());
    EXPECT_EQ(merged, expect);
}

TEST(Arrival, MaxCallsSplitAcrossShards) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < 4; ++i) {
        ArrivalConfig c;
        c.rate_cps = 1000;
        c.max_calls = 10;
        c.shard = i;
        c.shards = 4;
        ArrivalSchedule s(c, kStart);
        EXPECT_EQ(s.quota(), i < 2 ? 3u : 2u);
        total += run(s, kStart + kSec).size();
        EXPECT_TRUE(s.finished());
        EXPECT_EQ(s.peek_ns(), kNoArrival);
    }
    EXPECT_EQ(total, 10u);
}

TEST(Arrival, DurationEndsTheSchedule) {
    ArrivalConfig c;
    c.rate_cps = 100;
    c.duration_ns = 2 * kSec;
    ArrivalSchedule s(c, kStart);
    EXPECT_EQ(run(s, kStart + 10 * kSec, 10 * kMs).size(), 200u);
    EXPECT_TRUE(s.finished());
}

TEST(Arrival, ZeroRateNeverArrives) {
    ArrivalConfig c;
    c.rate_cps = 0;
    ArrivalSchedule s(c, kStart);
    EXPECT_TRUE(s.finished());
}

// ∫ rate over a linear ramp 0 -> 1000 cps in 10 s is 5000 calls, then 1000 per second.
TEST(Arrival, RampIntegral) {
    ArrivalConfig c;
    c.rate_cps = 1000;
    c.ramp_from_cps = 0;
    c.ramp_ns = 10 * kSec;
    ArrivalSchedule s(c, kStart);
    std::vector<uint64_t> t = run(s, kStart + 10 * kSec - 1000);
    EXPECT_EQ(t.size(), 5000u);
    // Halfway through the ramp a quarter of the ramp's calls have started (Λ(t) = 50 t²).
    EXPECT_EQ(std::count_if(t.begin(), t.end(), [](uint64_t x) { return x < kStart + 5 * kSec; }), 1250);
    std::vector<uint64_t> more = run(s, kStart + 11 * kSec - 1000);
    EXPECT_EQ(t.size() + more.size(), 6000u);
}

TEST(Arrival, RampDown) {
    ArrivalConfig c;
    c.rate_cps = 0;
    c.ramp_from_cps = 200;
    c.ramp_ns = 4 * kSec;  // 400 calls, then nothing
    ArrivalSchedule s(c, kStart);
    std::vector<uint64_t> t = run(s, kStart + 10 * kSec, 10 * kMs);
    EXPECT_NEAR(static_cast<double>(t.size()), 400.0, 1.0);
    EXPECT_TRUE(s.finished());
}

TEST(Arrival, PoissonMeanAndSpreadWithFixedSeed) {
    ArrivalConfig c;
    c.rate_cps = 10'000;
    c.pattern = ArrivalPattern::kPoisson;
    c.seed = 42;
    ArrivalSchedule s(c, kStart);
    std::vector<uint64_t> t = run(s, kStart + 10 * kSec);
    // Expected 100000, sd 316: 4 sd.
    EXPECT_NEAR(static_cast<double>(t.size()), 100'000.0, 1'300.0);
    // Exponential gaps: mean 100 us, coefficient of variation 1.
    double sum = 0, sq = 0;
    for (size_t i = 1; i < t.size(); ++i) {
        double g = static_cast<double>(t[i] - t[i - 1]);
        sum += g;
        sq += g * g;
    }
    double n = static_cast<double>(t.size() - 1), mean = sum / n;
    double cv = std::sqrt(sq / n - mean * mean) / mean;
    EXPECT_NEAR(mean, 100'000.0, 2'000.0);
    EXPECT_NEAR(cv, 1.0, 0.03);
    // Same seed, same schedule; another seed, another one.
    ArrivalSchedule again(c, kStart);
    EXPECT_EQ(run(again, kStart + 10 * kSec), t);
    c.seed = 43;
    ArrivalSchedule other(c, kStart);
    EXPECT_NE(run(other, kStart + kSec).front(), t.front());
}

TEST(Arrival, PoissonShardsSumToTheRate) {
    size_t total = 0;
    for (uint32_t i = 0; i < 4; ++i) {
        ArrivalConfig c;
        c.rate_cps = 8'000;
        c.pattern = ArrivalPattern::kPoisson;
        c.shard = i;
        c.shards = 4;
        ArrivalSchedule s(c, kStart);
        total += run(s, kStart + 10 * kSec).size();
    }
    EXPECT_NEAR(static_cast<double>(total), 80'000.0, 1'200.0);  // sd 283
}

TEST(Arrival, LagShowsACappedGenerator) {
    ArrivalConfig c;
    c.rate_cps = 1000;
    ArrivalSchedule s(c, kStart);
    uint64_t buf[8];
    // One call per wake-up, a wake-up every 2 ms, against a schedule of one call per ms.
    for (uint64_t now = kStart; now <= kStart + 100 * kMs; now += 2 * kMs) s.next_due(now, std::span(buf, 1));
    uint64_t now = kStart + 100 * kMs;
    EXPECT_EQ(s.issued(), 51u);
    EXPECT_EQ(s.peek_ns(), kStart + 51 * kMs);
    EXPECT_EQ(s.lag_ns(now), 49 * kMs);
    EXPECT_EQ(s.max_lag_ns(), 50 * kMs);  // the 51st call (intended at 50 ms) started at 100 ms
    // Intended times stay on schedule: the backlog comes out with its original times.
    ASSERT_EQ(s.next_due(now, buf), 8u);
    EXPECT_EQ(buf[0], kStart + 51 * kMs);
    EXPECT_EQ(buf[7], kStart + 58 * kMs);
}

}  // namespace
}  // namespace sipstorm::runtime
