#include "stats/counters.hpp"

#include <gtest/gtest.h>

namespace sipstorm::stats {
namespace {

// Sets every field of a Counts to a distinct value, through the same field walk the code uses.
Counts numbered(uint64_t base) {
    Counts c;
    uint64_t v = base;
    for_each_field(c, c, [&](uint64_t& x, uint64_t&, Combine) { x = v++; });
    return c;
}

size_t field_count() {
    Counts c;
    size_t n = 0;
    for_each_field(c, c, [&](uint64_t&, uint64_t&, Combine) { ++n; });
    return n;
}

TEST(Counters, FieldWalkCoversTheWholeStruct) {
    // A field added to CountersT but not to for_each_field would break this.
    EXPECT_EQ(field_count() * sizeof(uint64_t), sizeof(Counts));
    EXPECT_EQ(field_count() * sizeof(Counter), sizeof(ShardCounters));
}

TEST(Counters, LiveCountersLoad) {
    ShardCounters live;
    live.calls_attempted.add();
    live.calls_attempted.add(4);
    live.failed_by_reason[static_cast<size_t>(FailReason::kTimeout)].add();
    live.concurrent_calls.add(3);
    live.concurrent_calls.sub();
    live.lag_max_ns.raise_to(50);
    live.lag_max_ns.raise_to(20);
    live.requests_out[1].add(7);
    live.responses_in[1].add(2);  // 2xx
    live.tx_errors.set(9);
    Counts c = load(live);
    EXPECT_EQ(c.calls_attempted, 5u);
    EXPECT_EQ(c.failed_by_reason[0], 1u);
    EXPECT_EQ(c.concurrent_calls, 2u);
    EXPECT_EQ(c.lag_max_ns, 50u);
    EXPECT_EQ(c.requests_out[1], 7u);
    EXPECT_EQ(c.responses_in[1], 2u);
    EXPECT_EQ(c.tx_errors, 9u);
}

TEST(Counters, MergeSumsCountsAndGaugesAndTakesMaxOfMaxima) {
    Counts a = numbered(1), b = numbered(1000);
    Counts m = a;
    merge_into(m, b);
    EXPECT_EQ(m.calls_attempted, a.calls_attempted + b.calls_attempted);
    EXPECT_EQ(m.concurrent_calls, a.concurrent_calls + b.concurrent_calls);
    EXPECT_EQ(m.requests_in[5], a.requests_in[5] + b.requests_in[5]);
    EXPECT_EQ(m.lag_max_ns, b.lag_max_ns);
    EXPECT_EQ(m.lag_ns, b.lag_ns);
    EXPECT_EQ(m.busy_ns, a.busy_ns + b.busy_ns);
}

TEST(Counters, DeltaSubtractsSumsAndKeepsLaterLevels) {
    Counts earlier = numbered(1), later = numbered(5000);
    Counts d = delta(later, earlier);
    EXPECT_EQ(d.calls_attempted, later.calls_attempted - earlier.calls_attempted);
    EXPECT_EQ(d.retransmissions[2], later.retransmissions[2] - earlier.retransmissions[2]);
    EXPECT_EQ(d.concurrent_calls, later.concurrent_calls);
    EXPECT_EQ(d.lag_max_interval_ns, later.lag_max_interval_ns);
    // A counter that went backwards (a restarted source) yields 0, not a huge number.
    Counts back = delta(earlier, later);
    EXPECT_EQ(back.calls_attempted, 0u);
}

TEST(Counters, RetransmissionsTotal) {
    Counts c;
    c.retransmissions = {1, 2, 3, 4, 5};
    EXPECT_EQ(retransmissions_total(c), 15u);
}

}  // namespace
}  // namespace sipstorm::stats
