#include <gtest/gtest.h>

#include <vector>

#include "drive.hpp"
#include "txn/uas_2xx_retransmit.hpp"

namespace sipstorm::txn {
namespace {

using test::at;
using test::fire_all;
using test::retransmits;
using Times = std::vector<uint64_t>;

TEST(Uas2xxRetransmit, DoublesToT2AndGivesUpAfter64T1) {
    Uas2xxRetransmit r;
    EXPECT_FALSE(r.active());
    uint64_t d = r.start({}, at(0));
    EXPECT_TRUE(r.active());
    EXPECT_EQ(d, at(500));
    auto fired = fire_all(r, d);
    EXPECT_EQ(retransmits(fired), (Times{500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
    EXPECT_EQ(fired.back().ms, 32000u);
    EXPECT_EQ(fired.back().outcome.actions, kTimeout | kTerminated);
    EXPECT_EQ(fired.back().outcome.timer, TimerId::k2xx);
    EXPECT_STREQ(reason(fired.back().outcome), "no ACK for 2xx");
    EXPECT_FALSE(r.active());
}

TEST(Uas2xxRetransmit, AckStopsIt) {
    Uas2xxRetransmit r;
    r.start({}, at(0));
    EXPECT_EQ(r.on_timer(at(500)).actions, kRetransmit);
    Outcome o = r.on_ack(at(700));
    EXPECT_EQ(o.actions, kTerminated);
    EXPECT_EQ(o.deadline_ns, 0u);
    EXPECT_EQ(r.on_timer(at(1500)).actions, kNone);
    EXPECT_EQ(r.on_ack(at(1600)).actions, kNone);  // a retransmitted ACK changes nothing
}

TEST(Uas2xxRetransmit, RunsOnReliableTransportsToo) {
    Uas2xxRetransmit r;
    auto fired = fire_all(r, r.start({.reliable = true}, at(0)));
    EXPECT_EQ(retransmits(fired).size(), 10u);
}

TEST(Uas2xxRetransmit, RetransmittedInviteGetsThe2xxAgain) {
    Uas2xxRetransmit r;
    EXPECT_EQ(r.on_request_retransmission(at(0)).actions, kAbsorb);
    r.start({}, at(0));
    Outcome o = r.on_request_retransmission(at(200));
    EXPECT_EQ(o.actions, kResendLastResponse);
    EXPECT_EQ(o.deadline_ns, at(500));
    r.on_ack(at(300));
    EXPECT_EQ(r.on_request_retransmission(at(400)).actions, kAbsorb);
}

TEST(Uas2xxRetransmit, CustomT1AndT2) {
    Uas2xxRetransmit r;
    auto fired = fire_all(r, r.start({.t1_ms = 100, .t2_ms = 300}, at(0)));
    Times want{100, 300};
    for (uint64_t ms = 600; ms < 6400; ms += 300) want.push_back(ms);
    EXPECT_EQ(retransmits(fired), want);
    EXPECT_EQ(fired.back().ms, 6400u);
}

}  // namespace
}  // namespace sipstorm::txn
