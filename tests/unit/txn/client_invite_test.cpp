#include <gtest/gtest.h>

#include <cstring>
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

TEST(ClientInvite, UdpRetransmitsOnTimerAThenTimesOutOnTimerB) {
    ClientTxn t;
    uint64_t d = t.start(TxnKind::kInvite, kUdp, at(0));
    EXPECT_EQ(t.state(), State::kCalling);
    EXPECT_EQ(d, at(500));
    auto fired = fire_all(t, d);
    EXPECT_EQ(retransmits(fired), (Times{500, 1500, 3500, 7500, 15500, 31500}));
    for (size_t i = 0; i + 1 < fired.size(); ++i) {
        EXPECT_EQ(fired[i].outcome.actions, kRetransmit);
        EXPECT_EQ(fired[i].outcome.timer, TimerId::kA);
    }
    const Outcome last = fired.back().outcome;
    EXPECT_EQ(fired.back().ms, 32000u);
    EXPECT_EQ(last.actions, kTimeout | kTerminated);
    EXPECT_EQ(last.timer, TimerId::kB);
    EXPECT_EQ(last.deadline_ns, 0u);
    EXPECT_STREQ(reason(last), "timeout (Timer B)");
    EXPECT_EQ(t.state(), State::kTerminated);
    EXPECT_FALSE(t.active());
}

TEST(ClientInvite, TimerAIsNotCappedByT2) {
    ClientTxn t;
    auto fired = fire_all(t, t.start(TxnKind::kInvite, {.t1_ms = 500, .t2_ms = 1000}, at(0)));
    EXPECT_EQ(retransmits(fired), (Times{500, 1500, 3500, 7500, 15500, 31500}));
}

TEST(ClientInvite, CustomT1ScalesTimersAAndB) {
    ClientTxn t;
    auto fired = fire_all(t, t.start(TxnKind::kInvite, {.t1_ms = 100}, at(0)));
    EXPECT_EQ(retransmits(fired), (Times{100, 300, 700, 1500, 3100, 6300}));
    EXPECT_EQ(fired.back().ms, 6400u);
    EXPECT_EQ(fired.back().outcome.timer, TimerId::kB);
}

TEST(ClientInvite, ReliableTransportNeverRetransmits) {
    ClientTxn t;
    uint64_t d = t.start(TxnKind::kInvite, kTcp, at(0));
    EXPECT_EQ(d, at(32000));
    auto fired = fire_all(t, d);
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].outcome.actions, kTimeout | kTerminated);
    EXPECT_EQ(fired[0].outcome.timer, TimerId::kB);
}

TEST(ClientInvite, ProvisionalStopsRetransmissionsAndTimerB) {
    ClientTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    EXPECT_EQ(t.on_timer(at(500)).actions, kRetransmit);
    Outcome o = t.on_response(180, at(1000));
    EXPECT_EQ(o.actions, kDeliver);
    EXPECT_EQ(o.deadline_ns, 0u);
    EXPECT_EQ(t.state(), State::kProceeding);
    // The timer the caller armed for 1.5 s may still fire; nothing is due.
    EXPECT_EQ(t.on_timer(at(1500)).actions, kNone);
    EXPECT_EQ(t.on_response(183, at(2000)).actions, kDeliver);
    EXPECT_EQ(t.state(), State::kProceeding);
}

TEST(ClientInvite, TwoHundredTerminatesAndGoesToTheTu) {
    ClientTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    Outcome o = t.on_response(200, at(100));
    EXPECT_EQ(o.actions, kDeliver | kTerminated);  // no kSendAck: the TU acknowledges a 2xx
    EXPECT_EQ(o.deadline_ns, 0u);
    EXPECT_EQ(t.state(), State::kTerminated);
    EXPECT_EQ(t.on_response(200, at(600)).actions, kAbsorb);
    EXPECT_EQ(t.on_timer(at(500)).actions, kNone);
}

TEST(ClientInvite, TwoHundredAfterProvisional) {
    ClientTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    t.on_response(100, at(50));
    t.on_response(180, at(60));
    EXPECT_EQ(t.on_response(200, at(3000)).actions, kDeliver | kTerminated);
}

TEST(ClientInvite, NonTwoHundredFinalSendsAckAndWaitsTimerD) {
    ClientTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    t.on_response(180, at(100));
    Outcome o = t.on_response(486, at(1000));
    EXPECT_EQ(o.actions, kDeliver | kSendAck);
    EXPECT_EQ(o.deadline_ns, at(1000 + 32000));
    EXPECT_EQ(t.state(), State::kCompleted);

    // The server missed the ACK: absorb its retransmission but acknowledge it again.
    o = t.on_response(486, at(1500));
    EXPECT_EQ(o.actions, kAbsorb | kSendAck);
    EXPECT_EQ(o.deadline_ns, at(33000));
    EXPECT_EQ(t.on_response(180, at(1600)).actions, kAbsorb);
    EXPECT_EQ(t.on_response(200, at(1700)).actions, kAbsorb);
    EXPECT_EQ(t.on_timer(at(32999)).actions, kNone);

    auto fired = fire_all(t, at(33000));
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].outcome.actions, kTerminated);
    EXPECT_EQ(fired[0].outcome.timer, TimerId::kD);
    EXPECT_EQ(reason(fired[0].outcome), nullptr);  // Timer D is the normal end, not a failure
}

TEST(ClientInvite, FinalInCallingStopsRetransmissions) {
    ClientTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    t.on_timer(at(500));
    EXPECT_EQ(t.on_response(503, at(700)).actions, kDeliver | kSendAck);
    auto fired = fire_all(t, t.deadline_ns());
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].ms, 32700u);
    EXPECT_EQ(fired[0].outcome.timer, TimerId::kD);
}

TEST(ClientInvite, TimerDIsZeroOnReliableTransports) {
    ClientTxn t;
    t.start(TxnKind::kInvite, kTcp, at(0));
    Outcome o = t.on_response(404, at(100));
    EXPECT_EQ(o.actions, kDeliver | kSendAck | kTerminated);
    EXPECT_EQ(o.deadline_ns, 0u);
}

TEST(ClientInvite, TimerDCoversALargerT1) {
    ClientTxn t;
    t.start(TxnKind::kInvite, {.t1_ms = 1000}, at(0));
    EXPECT_EQ(t.on_response(480, at(0)).deadline_ns, at(64000));
}

TEST(ClientInvite, LateTimerKeepsTheSchedule) {
    ClientTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    EXPECT_EQ(t.on_timer(at(600)).deadline_ns, at(1500));
    // More than an interval late: restart from now rather than fire a burst.
    EXPECT_EQ(t.on_timer(at(5000)).deadline_ns, at(7000));
}

TEST(ClientInvite, EarlyWakeUpDoesNothing) {
    ClientTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    Outcome o = t.on_timer(at(100));
    EXPECT_EQ(o.actions, kNone);
    EXPECT_EQ(o.deadline_ns, at(500));
}

TEST(ClientInvite, TransportErrorTerminates) {
    ClientTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    Outcome o = t.on_transport_error(at(10));
    EXPECT_EQ(o.actions, kTransportError | kTerminated);
    EXPECT_STREQ(reason(o), "transport error");
    EXPECT_EQ(t.on_transport_error(at(20)).actions, kNone);
}

TEST(ClientInvite, InvalidStatusCodesAreIgnored) {
    ClientTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    EXPECT_EQ(t.on_response(99, at(1)).actions, kAbsorb);
    EXPECT_EQ(t.on_response(700, at(1)).actions, kAbsorb);
    EXPECT_EQ(t.state(), State::kCalling);
    EXPECT_EQ(t.deadline_ns(), at(500));
}

TEST(ClientInvite, UnstartedTransactionIsInert) {
    ClientTxn t;
    EXPECT_EQ(t.state(), State::kIdle);
    EXPECT_FALSE(t.active());
    EXPECT_EQ(t.on_timer(at(0)).actions, kNone);
    EXPECT_EQ(t.on_response(200, at(0)).actions, kAbsorb);
}

TEST(ClientInvite, RestartReusesTheSlot) {
    ClientTxn t;
    t.start(TxnKind::kInvite, kUdp, at(0));
    t.on_timer(at(500));
    t.on_response(200, at(600));
    // The next transaction of the same call (a re-INVITE) starts from scratch.
    uint64_t d = t.start(TxnKind::kInvite, kUdp, at(10000));
    EXPECT_EQ(d, at(10500));
    EXPECT_EQ(t.on_timer(at(10500)).deadline_ns, at(11500));
}

}  // namespace
}  // namespace sipstorm::txn
