#include <gtest/gtest.h>

#include "txn/timers.hpp"

namespace sipstorm::txn {
namespace {

// The RFC 3261 Appendix A table at the default T1/T2/T4.
static_assert(timer_a_ms({}) == 500 && timer_e_ms({}) == 500 && timer_g_ms({}) == 500);
static_assert(timer_b_ms({}) == 32000 && timer_f_ms({}) == 32000 && timer_h_ms({}) == 32000);
static_assert(timer_d_ms({}) == 32000 && timer_j_ms({}) == 32000);
static_assert(timer_i_ms({}) == 5000 && timer_k_ms({}) == 5000);

TEST(Timers, ReliableTransportsDropRetransmitAndWaitTimers) {
    constexpr TimerConfig tcp{.reliable = true};
    EXPECT_EQ(timer_a_ms(tcp), 0u);
    EXPECT_EQ(timer_e_ms(tcp), 0u);
    EXPECT_EQ(timer_g_ms(tcp), 0u);
    EXPECT_EQ(timer_d_ms(tcp), 0u);
    EXPECT_EQ(timer_i_ms(tcp), 0u);
    EXPECT_EQ(timer_j_ms(tcp), 0u);
    EXPECT_EQ(timer_k_ms(tcp), 0u);
    // The transaction timeouts stay.
    EXPECT_EQ(timer_b_ms(tcp), 32000u);
    EXPECT_EQ(timer_f_ms(tcp), 32000u);
    EXPECT_EQ(timer_h_ms(tcp), 32000u);
}

TEST(Timers, TimerDNeverDropsBelow32Seconds) {
    EXPECT_EQ(timer_d_ms({.t1_ms = 100}), 32000u);
    EXPECT_EQ(timer_d_ms({.t1_ms = 1000}), 64000u);
}

TEST(Timers, Backoff) {
    EXPECT_EQ(backoff_ms(500, 4000, 0), 500u);
    EXPECT_EQ(backoff_ms(500, 4000, 1), 1000u);
    EXPECT_EQ(backoff_ms(500, 4000, 3), 4000u);
    EXPECT_EQ(backoff_ms(500, 4000, 9), 4000u);
    EXPECT_EQ(backoff_ms(500, 0, 6), 32000u);
    EXPECT_EQ(backoff_ms(500, 4000, 255), 4000u);  // no overflow when saturated
}

TEST(Timers, NextDue) {
    constexpr uint64_t ms = kNsPerMs;
    EXPECT_EQ(next_due_ns(500 * ms, 1000, 550 * ms), 1500 * ms);   // slightly late: keep the grid
    EXPECT_EQ(next_due_ns(500 * ms, 1000, 2000 * ms), 3000 * ms);  // far behind: from now
}

TEST(Timers, Earliest) {
    EXPECT_EQ(earliest(0, 0), 0u);
    EXPECT_EQ(earliest(0, 5), 5u);
    EXPECT_EQ(earliest(7, 0), 7u);
    EXPECT_EQ(earliest(7, 5), 5u);
}

}  // namespace
}  // namespace sipstorm::txn
