#include "stats/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

namespace sipstorm::stats {
namespace {

// v sorted.
uint64_t exact_percentile(const std::vector<uint64_t>& v, double p) {
    auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    rank = std::clamp<size_t>(rank, 1, v.size());
    return v[rank - 1];
}

TEST(Histogram, BucketLayoutIsContiguousAndPrecise) {
    EXPECT_EQ(Histogram::bucket_of(0), 0u);
    EXPECT_EQ(Histogram::bucket_of(255), 255u);
    EXPECT_EQ(Histogram::bucket_of(256), 256u);
    EXPECT_EQ(Histogram::bucket_of(Histogram::kMaxValue), Histogram::kBuckets - 1);
    EXPECT_GT(Histogram::kMaxValue, 3600ull * 1'000'000);  // 1 h in µs
    for (unsigned b = 0; b + 1 < Histogram::kBuckets; ++b) {
        ASSERT_EQ(Histogram::bucket_low(b) + Histogram::bucket_width(b), Histogram::bucket_low(b + 1)) << b;
        ASSERT_EQ(Histogram::bucket_of(Histogram::bucket_low(b)), b);
        ASSERT_EQ(Histogram::bucket_of(Histogram::bucket_low(b + 1) - 1), b);
        // Width at most 1/128 of the lower bound: the midpoint is within 0.4% of any member.
        if (b >= 256) {
            ASSERT_LE(Histogram::bucket_width(b) * 128, Histogram::bucket_low(b));
        }
    }
}

TEST(Histogram, EmptyHistogram) {
    Histogram h;
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.min(), 0u);
    EXPECT_EQ(h.max(), 0u);
    EXPECT_EQ(h.mean(), 0.0);
    EXPECT_EQ(h.percentile(50), 0u);
}

TEST(Histogram, SmallValuesAreExact) {
    Histogram h;
    for (uint64_t v = 1; v <= 100; ++v) h.record(v);
    EXPECT_EQ(h.percentile(50), 50u);
    EXPECT_EQ(h.percentile(99), 99u);
    EXPECT_EQ(h.percentile(100), 100u);
    EXPECT_EQ(h.percentile(0), 1u);
    EXPECT_EQ(h.min(), 1u);
    EXPECT_EQ(h.max(), 100u);
    EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(Histogram, PercentilesWithinOnePercentOfSortedData) {
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> latency(std::log(20'000.0), 1.5);  // median 20 ms, long tail
    auto h = std::make_unique<Histogram>();
    std::vector<uint64_t> values;
    for (int i = 0; i < 200'000; ++i) {
        auto v = static_cast<uint64_t>(std::min(latency(rng), 3.6e9)) + 1;
        values.push_back(v);
        h->record(v);
    }
    std::sort(values.begin(), values.end());
    for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
        double truth = static_cast<double>(exact_percentile(values, p));
        double got = static_cast<double>(h->percentile(p));
        EXPECT_LE(std::abs(got - truth), truth * 0.01) << "p" << p;
    }
    EXPECT_EQ(h->max(), *std::max_element(values.begin(), values.end()));
    EXPECT_EQ(h->min(), *std::min_element(values.begin(), values.end()));
    double mean = 0;
    for (uint64_t v : values) mean += static_cast<double>(v);
    EXPECT_NEAR(h->mean(), mean / static_cast<double>(values.size()), 1e-6 * mean);
}

TEST(Histogram, OneHourAndClampedOverflow) {
    Histogram h;
    h.record(3600ull * 1'000'000);
    EXPECT_NEAR(static_cast<double>(h.percentile(50)), 3.6e9, 3.6e9 * 0.005);
    h.record(Histogram::kMaxValue + 12345);
    EXPECT_EQ(h.max(), Histogram::kMaxValue + 12345);
    EXPECT_EQ(h.count_at(Histogram::kBuckets - 1), 1u);
    h.record_ns(999);  // sub-microsecond
    EXPECT_EQ(h.count_at(0), 1u);
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
    std::mt19937_64 rng(3);
    auto a = std::make_unique<Histogram>(), b = std::make_unique<Histogram>(),
         all = std::make_unique<Histogram>();
    for (int i = 0; i < 10'000; ++i) {
        uint64_t v = rng() % 5'000'000;
        (i % 3 ? *a : *b).record(v);
        all->record(v);
    }
    a->add(*b);
    EXPECT_EQ(*a, *all);
    auto empty = std::make_unique<Histogram>();
    a->add(*empty);
    EXPECT_EQ(*a, *all);
    empty->add(*all);
    EXPECT_EQ(*empty, *all);
}

TEST(Histogram, SubtractGivesTheInterval) {
    auto before = std::make_unique<Histogram>(), after = std::make_unique<Histogram>();
    for (uint64_t v : {10, 20, 30}) before->record(v);
    *after = *before;
    for (uint64_t v : {1000, 2000, 50'000}) after->record(v);
    after->subtract(*before);
    EXPECT_EQ(after->count(), 3u);
    EXPECT_EQ(after->sum(), 53'000u);
    EXPECT_EQ(after->count_at(Histogram::bucket_of(10)), 0u);
    EXPECT_NEAR(static_cast<double>(after->min()), 1000.0, 10.0);
    EXPECT_EQ(after->max(), 50'000u);
    EXPECT_NEAR(static_cast<double>(after->percentile(50)), 2000.0, 20.0);
    after->subtract(*after);
    EXPECT_EQ(after->count(), 0u);
    EXPECT_EQ(after->percentile(99), 0u);
}

TEST(Histogram, JsonRoundTripIsExactAndSparse) {
    auto h = std::make_unique<Histogram>();
    for (uint64_t v : {0ull, 5ull, 5ull, 300ull, 123'456ull, 3'600'000'000ull}) h->record(v);
    nlohmann::json j = *h;
    EXPECT_EQ(j["unit"], "us");
    EXPECT_EQ(j["sub_bucket_bits"], 7);
    EXPECT_EQ(j["buckets"].size(), 5u);
    EXPECT_EQ(j["buckets"][1], nlohmann::json::array({5, 2}));
    auto back = std::make_unique<Histogram>(j.get<Histogram>());
    EXPECT_EQ(*back, *h);
    // Through text, as between machines.
    auto again = std::make_unique<Histogram>(nlohmann::json::parse(j.dump()).get<Histogram>());
    EXPECT_EQ(*again, *h);
    auto empty = std::make_unique<Histogram>();
    nlohmann::json je = *empty;
    EXPECT_EQ(je.get<Histogram>(), *empty);
}

TEST(Histogram, JsonRejectsForeignLayouts) {
    Histogram h;
    h.record(1);
    nlohmann::json j = h;
    nlohmann::json bad = j;
    bad["sub_bucket_bits"] = 8;
    EXPECT_THROW(bad.get<Histogram>(), std::invalid_argument);
    bad = j;
    bad["buckets"] = nlohmann::json::array({nlohmann::json::array({99999, 1})});
    EXPECT_THROW(bad.get<Histogram>(), std::invalid_argument);
    bad = j;
    bad["count"] = 7;
    EXPECT_THROW(bad.get<Histogram>(), std::invalid_argument);
    bad = j;
    bad.erase("buckets");
    EXPECT_THROW(bad.get<Histogram>(), nlohmann::json::exception);
}

}  // namespace
}  // namespace sipstorm::stats
