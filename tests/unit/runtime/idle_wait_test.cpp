#include "runtime/idle_wait.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include "runtime/doorbell.hpp"

namespace sipstorm::runtime {
namespace {

TEST(WakeTime, BoundedByMaxSleep) {
    WakeTime w(1'000, 100'000'000);
    EXPECT_EQ(w.at(), 100'001'000u);
    EXPECT_FALSE(w.due_now());
    w.due_at(kNever);  // nothing pending changes nothing
    EXPECT_EQ(w.at(), 100'001'000u);
}

TEST(WakeTime, EarliestDeadlineWins) {
    WakeTime w(1'000, 100'000'000);
    w.due_at(5'000'000);
    w.due_at(2'500'123);
    w.due_at(9'000'000);
    EXPECT_EQ(w.at(), 2'500'123u);
    const timespec ts = w.timeout();
    EXPECT_EQ(ts.tv_sec, 0);
    EXPECT_EQ(ts.tv_nsec, 2'499'123);  // nanosecond precision, not rounded to a ms or µs
}

TEST(WakeTime, LongSleepSplitsSeconds) {
    WakeTime w(7, 5'000'000'000);
    w.due_at(3'250'000'007);
    const timespec ts = w.timeout();
    EXPECT_EQ(ts.tv_sec, 3);
    EXPECT_EQ(ts.tv_nsec, 250'000'000);
}

TEST(WakeTime, SomethingDueMeansNoSleep) {
    WakeTime w(10'000, 100'000'000);
    w.due_at(10'000);
    EXPECT_TRUE(w.due_now());
    EXPECT_EQ(w.timeout().tv_sec, 0);
    EXPECT_EQ(w.timeout().tv_nsec, 0);
    WakeTime past(10'000, 100'000'000);
    past.due_at(3);
    EXPECT_TRUE(past.due_now());
    EXPECT_EQ(past.timeout().tv_nsec, 0);
}

TEST(WakeTime, NoOverflowNearTheEndOfTime) {
    WakeTime w(kNever - 10, 100);
    EXPECT_EQ(w.at(), kNever);
    EXPECT_FALSE(w.due_now());
}

TEST(WakeTime, EarlyWakeLeavesTheLatencyToPolling) {
    WakeTime w(1'000'000, 100'000'000);
    w.due_at(1'500'000);
    EXPECT_FALSE(w.due_now(100'000));
    EXPECT_EQ(w.timeout(100'000).tv_nsec, 400'000);  // wake 100 µs before the deadline
    EXPECT_TRUE(w.due_now(500'000));                 // the deadline is within the latency: poll
    EXPECT_EQ(w.timeout(500'000).tv_nsec, 0);
    EXPECT_EQ(w.timeout(600'000).tv_nsec, 0);
}

TEST(WakeLatency, FollowsTheObservedOvershoot) {
    WakeLatency l;
    EXPECT_EQ(l.average_ns(), WakeLatency::kInitialNs);
    for (int i = 0; i < 100; ++i) l.observe(1'000'000, 1'020'000);  // always 20 µs late
    EXPECT_NEAR(static_cast<double>(l.average_ns()), 20'000, 100);
    EXPECT_NEAR(static_cast<double>(l.early_ns()), 30'000, 150);  // 1.5 x
    for (int i = 0; i < 100; ++i) l.observe(1'000'000, 999'000);  // early returns count as on time
    EXPECT_LT(l.average_ns(), 100u);
}

TEST(WakeLatency, HeadStartIsBounded) {
    WakeLatency l;
    for (int i = 0; i < 100; ++i) l.observe(0, 50'000'000);  // a stalled machine: 50 ms late
    EXPECT_EQ(l.early_ns(), WakeLatency::kMaxEarlyNs);
    // A long stall weighs no more than 4 x the bound, so the estimate recovers in a few waits.
    for (int i = 0; i < 40; ++i) l.observe(1'000'000, 1'030'000);
    EXPECT_LT(l.early_ns(), 60'000u);
}

TEST(Lateness, FromTheDeadline) {
    EXPECT_EQ(lateness_ns(1'000, 1'250), 250u);
    EXPECT_EQ(lateness_ns(1'000, 1'000), 0u);
    EXPECT_EQ(lateness_ns(2'000, 1'000), 0u);  // not yet due
    EXPECT_EQ(lateness_ns(kNever, 1'000), 0u);
}

bool readable(const Doorbell& b) {
    pollfd p{b.fd(), POLLIN, 0};
    return poll(&p, 1, 0) == 1;
}

TEST(Doorbell, RingMakesItReadableUntilCleared) {
    Doorbell b;
    ASSERT_GE(b.fd(), 0);
    EXPECT_FALSE(readable(b));
    b.ring();
    b.ring();
    EXPECT_TRUE(readable(b));
    b.clear();
    EXPECT_FALSE(readable(b));
}

TEST(Doorbell, RingsOnlyWhileTheOwnerSleeps) {
    Doorbell b;
    b.ring_if_sleeping();  // busy: no syscall, nothing to read
    EXPECT_FALSE(readable(b));
    b.begin_sleep();
    b.ring_if_sleeping();
    EXPECT_TRUE(readable(b));
    b.end_sleep();
    b.clear();
    b.ring_if_sleeping();
    EXPECT_FALSE(readable(b));
}

}  // namespace
}  // namespace sipstorm::runtime
