#include <gtest/gtest.h>

#include <vector>

#include "drive.hpp"
#include "txn/client_txn.hpp"

namespace sipstorm::txn {
namespace {

using test::at;
using test::fire_all;
using test::retransmits;
using Times = std::vector<uint64_t>;

constexpr TimerConfig kUdp{};
constexpr TimerConfig kTcp{.reliable = true};

TEST(ClientNonInvite, UdpTimerEDoublesToT2ThenTimerF) {
    ClientTxn t;
    uint64_t d = t.start(TxnKind::kNonInvite, kUdp, at(0));
    EXPECT_EQ(t.state(), State::kTrying);
    EXPECT_EQ(d, at(500));
    auto fired = fire_all(t, d);
    EXPECT_EQ(retransmits(fired), (Times{500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
    for (size_t i = 0; i + 1 < fired.size(); ++i) EXPECT_EQ(fired[i].outcome.timer, TimerId::kE);
    EXPECT_EQ(fired.back().ms, 32000u);
    EXPECT_EQ(fired.back().outcome.actions, kTimeout | kTerminated);
    EXPECT_EQ(fired.back().outcome.timer, TimerId::kF);
    EXPECT_STREQ(reason(fired.back().outcome), "timeout (Timer F)");
}

TEST(ClientNonInvite, AfterProvisionalTimerEContinuesAtT2) {
    ClientTxn t;
    t.start(TxnKind::kNonInvite, kUdp, at(0));
    EXPECT_EQ(t.on_timer(at(500)).actions, kRetransmit);
    Outcome o = t.on_response(100, at(1000));
    EXPECT_EQ(o.actions, kDeliver);
    EXPECT_EQ(o.deadline_ns, at(1500));  // the pending Timer E is left alone
    EXPECT_EQ(t.state(), State::kProceeding);
    auto fired = fire_all(t, o.deadline_ns);
    EXPECT_EQ(retransmits(fired), (Times{1500, 5500, 9500, 13500, 17500, 21500, 25500, 29500}));
    EXPECT_EQ(fired.back().ms, 32000u);
    EXPECT_EQ(fired.back().outcome.timer, TimerId::kF);
}

TEST(ClientNonInvite, FinalResponseWaitsTimerKAndAbsorbsRetransmissions) {
    ClientTxn t;
    t.start(TxnKind::kNonInvite, kUdp, at(0));
    t.on_response(100, at(100));
    EXPECT_EQ(t.on_response(180, at(200)).actions, kDeliver);
    Outcome o = t.on_response(200, at(700));
    EXPECT_EQ(o.actions, kDeliver);  // no ACK outside INVITE
    EXPECT_EQ(o.deadline_ns, at(700 + 5000));
    EXPECT_EQ(t.state(), State::kCompleted);
    EXPECT_EQ(t.on_response(200, at(800)).actions, kAbsorb);
    EXPECT_EQ(t.on_response(100, at(900)).actions, kAbsorb);
    EXPECT_EQ(t.on_response(500, at(900)).actions, kAbsorb);

    auto fired = fire_all(t, at(5700));
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].outcome.actions, kTerminated);
    EXPECT_EQ(fired[0].outcome.timer, TimerId::kK);
    EXPECT_EQ(reason(fired[0].outcome), nullptr);
}

TEST(ClientNonInvite, FinalInTryingStopsRetransmissions) {
    ClientTxn t;
    t.start(TxnKind::kNonInvite, kUdp, at(0));
    EXPECT_EQ(t.on_response(401, at(100)).actions, kDeliver);
    EXPECT_EQ(t.state(), State::kCompleted);
    auto fired = fire_all(t, t.deadline_ns());
    EXPECT_TRUE(retransmits(fired).empty());
    EXPECT_EQ(fired.back().ms, 5100u);
}

TEST(ClientNonInvite, ReliableTransportHasNoTimerEAndNoTimerK) {
    ClientTxn t;
    EXPECT_EQ(t.start(TxnKind::kNonInvite, kTcp, at(0)), at(32000));
    Outcome o = t.on_response(200, at(50));
    EXPECT_EQ(o.actions, kDeliver | kTerminated);
    EXPECT_EQ(o.deadline_ns, 0u);

    ClientTxn u;
    auto fired = fire_all(u, u.start(TxnKind::kNonInvite, kTcp, at(0)));
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].outcome.timer, TimerId::kF);
}

TEST(ClientNonInvite, CustomT1AndT2) {
    ClientTxn t;
    auto fired = fire_all(t, t.start(TxnKind::kNonInvite, {.t1_ms = 200, .t2_ms = 1000}, at(0)));
    Times want{200, 600, 1400};
    for (uint64_t ms = 2400; ms < 12800; ms += 1000) want.push_back(ms);
    EXPECT_EQ(retransmits(fired), want);
    EXPECT_EQ(fired.back().ms, 12800u);
    EXPECT_EQ(fired.back().outcome.timer, TimerId::kF);
}

TEST(ClientNonInvite, CustomT4ScalesTimerK) {
    ClientTxn t;
    t.start(TxnKind::kNonInvite, {.t4_ms = 2500}, at(0));
    EXPECT_EQ(t.on_response(200, at(10)).deadline_ns, at(2510));
}

TEST(ClientNonInvite, TimerFWinsATieWithTimerE) {
    // With T2 = T1 the retransmissions land every T1, and one falls exactly on Timer F.
    ClientTxn t;
    auto fired = fire_all(t, t.start(TxnKind::kNonInvite, {.t1_ms = 500, .t2_ms = 500}, at(0)));
    Times want;
    for (uint64_t ms = 500; ms < 32000; ms += 500) want.push_back(ms);
    EXPECT_EQ(retransmits(fired), want);
    EXPECT_EQ(fired.back().ms, 32000u);
    EXPECT_EQ(fired.back().outcome.actions, kTimeout | kTerminated);
}

TEST(ClientNonInvite, TransportErrorTerminates) {
    ClientTxn t;
    t.start(TxnKind::kNonInvite, kUdp, at(0));
    t.on_response(100, at(10));
    EXPECT_EQ(t.on_transport_error(at(600)).actions, kTransportError | kTerminated);
    EXPECT_EQ(t.deadline_ns(), 0u);
}

}  // namespace
}  // namespace sipstorm::txn
