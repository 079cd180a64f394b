#include <gtest/gtest.h>

#include <vector>

#include "drive.hpp"
#include "txn/server_txn.hpp"

namespace sipstorm::txn {
namespace {

using test::at;
using test::fire_all;
using test::retransmits;
using Times = std::vector<uint64_t>;

constexpr TimerConfig kUdp{};
constexpr TimerConfig kTcp{.reliable = true};

TEST(ServerInvite, StartsInProceedingWithoutTimers) {
    ServerTxn t;
    EXPECT_EQ(t.start(TxnKind::kInvite, kUdp, at(0)), 0u);
    EXPECT_EQ(t.state(), State::kProceeding);
    EXPECT_TRUE(t.active());
}

TEST(ServerInvite, RetransmittedRequestGetsTheLastProvisional) {
    ServerTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    EXPECT_EQ(t.on_request_retransmission(at(500)).actions, kAbsorb);  // nothing sent yet
    EXPECT_EQ(t.on_send_response(100, at(600)).actions, kNone);
    EXPECT_EQ(t.on_request_retransmission(at(1500)).actions, kResendLastResponse);
    EXPECT_EQ(t.on_send_response(180, at(1600)).actions, kNone);
    EXPECT_EQ(t.on_request_retransmission(at(3500)).actions, kResendLastResponse);
    EXPECT_EQ(t.state(), State::kProceeding);
    EXPECT_EQ(t.deadline_ns(), 0u);
}

TEST(ServerInvite, TwoHundredTerminatesTheTransaction) {
    ServerTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    t.on_send_response(180, at(10));
    Outcome o = t.on_send_response(200, at(20));
    EXPECT_EQ(o.actions, kTerminated);  // send it, then hand retransmission to Uas2xxRetransmit
    EXPECT_EQ(o.deadline_ns, 0u);
    EXPECT_EQ(t.state(), State::kTerminated);
    EXPECT_EQ(t.on_send_response(200, at(30)).actions, kAbsorb);
    EXPECT_EQ(t.on_request_retransmission(at(40)).actions, kAbsorb);
    EXPECT_EQ(t.on_ack(at(50)).actions, kAbsorb);
}

TEST(ServerInvite, NonTwoHundredRetransmitsOnTimerGUntilTimerH) {
    ServerTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    Outcome o = t.on_send_response(486, at(0));
    EXPECT_EQ(o.actions, kNone);
    EXPECT_EQ(o.deadline_ns, at(500));
    EXPECT_EQ(t.state(), State::kCompleted);
    auto fired = fire_all(t, o.deadline_ns);
    EXPECT_EQ(retransmits(fired), (Times{500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
    for (size_t i = 0; i + 1 < fired.size(); ++i) EXPECT_EQ(fired[i].outcome.timer, TimerId::kG);
    EXPECT_EQ(fired.back().ms, 32000u);
    EXPECT_EQ(fired.back().outcome.actions, kTimeout | kTerminated);
    EXPECT_EQ(fired.back().outcome.timer, TimerId::kH);
    EXPECT_STREQ(reason(fired.back().outcome), "no ACK (Timer H)");
}

TEST(ServerInvite, RetransmittedRequestInCompletedGetsTheFinalAgain) {
    ServerTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    t.on_send_response(603, at(0));
    EXPECT_EQ(t.on_timer(at(500)).actions, kRetransmit);
    Outcome o = t.on_request_retransmission(at(700));
    EXPECT_EQ(o.actions, kResendLastResponse);
    EXPECT_EQ(o.deadline_ns, at(1500));                            // Timer G is not disturbed
    EXPECT_EQ(t.on_send_response(200, at(800)).actions, kAbsorb);  // too late for another final
    EXPECT_EQ(t.on_send_response(180, at(800)).actions, kAbsorb);
}

TEST(ServerInvite, AckConfirmsAndTimerIAbsorbsMoreAcks) {
    ServerTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    t.on_send_response(486, at(0));
    t.on_timer(at(500));
    t.on_timer(at(1500));
    Outcome o = t.on_ack(at(2000));
    EXPECT_EQ(o.actions, kAbsorb);  // an ACK for a non-2xx never reaches the TU
    EXPECT_EQ(o.deadline_ns, at(2000 + 5000));
    EXPECT_EQ(t.state(), State::kConfirmed);
    EXPECT_EQ(t.on_ack(at(2100)).actions, kAbsorb);
    EXPECT_EQ(t.on_request_retransmission(at(2200)).actions, kAbsorb);
    EXPECT_EQ(t.on_timer(at(3500)).actions, kNone);  // G stopped: the old 3.5 s deadline is stale

    auto fired = fire_all(t, at(7000));
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].outcome.actions, kTerminated);
    EXPECT_EQ(fired[0].outcome.timer, TimerId::kI);
    EXPECT_EQ(reason(fired[0].outcome), nullptr);
}

TEST(ServerInvite, ReliableTransportHasNoTimerGAndNoTimerI) {
    ServerTxn t;
    t.start(TxnKind::kInvite, kTcp, at(0));
    EXPECT_EQ(t.on_send_response(404, at(100)).deadline_ns, at(100 + 32000));  // H only
    Outcome o = t.on_ack(at(200));
    EXPECT_EQ(o.actions, kAbsorb | kTerminated);
    EXPECT_EQ(o.deadline_ns, 0u);
}

TEST(ServerInvite, ReliableTransportStillTimesOutOnTimerH) {
    ServerTxn t;
    t.start(TxnKind::kInvite, kTcp, at(0));
    auto fired = fire_all(t, t.on_send_response(500, at(0)).deadline_ns);
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].ms, 32000u);
    EXPECT_EQ(fired[0].outcome.timer, TimerId::kH);
    EXPECT_EQ(fired[0].outcome.actions, kTimeout | kTerminated);
}

TEST(ServerInvite, CustomT1AndT2) {
    ServerTxn t;
    t.start(TxnKind::kInvite, {.t1_ms = 250, .t2_ms = 1000}, at(0));
    auto fired = fire_all(t, t.on_send_response(480, at(0)).deadline_ns);
    Times want{250, 750};
    for (uint64_t ms = 1750; ms < 16000; ms += 1000) want.push_back(ms);
    EXPECT_EQ(retransmits(fired), want);
    EXPECT_EQ(fired.back().ms, 16000u);
    EXPECT_EQ(fired.back().outcome.timer, TimerId::kH);
}

TEST(ServerInvite, CustomT4ScalesTimerI) {
    ServerTxn t;
    t.start(TxnKind::kInvite, {.t4_ms = 1000}, at(0));
    t.on_send_response(486, at(0));
    EXPECT_EQ(t.on_ack(at(100)).deadline_ns, at(1100));
}

TEST(ServerInvite, TransportErrorTerminates) {
    ServerTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    t.on_send_response(486, at(0));
    Outcome o = t.on_transport_error(at(500));
    EXPECT_EQ(o.actions, kTransportError | kTerminated);
    EXPECT_EQ(o.deadline_ns, 0u);
    EXPECT_EQ(t.on_timer(at(500)).actions, kNone);
}

TEST(ServerInvite, InvalidStatusCodeIsNotSent) {
    ServerTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    EXPECT_EQ(t.on_send_response(42, at(0)).actions, kAbsorb);
    EXPECT_EQ(t.state(), State::kProceeding);
}

}  // namespace
}  // namespace sipstorm::txn
