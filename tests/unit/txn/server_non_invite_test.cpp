#include <gtest/gtest.h>

#include "drive.hpp"
#include "txn/server_txn.hpp"

namespace sipstorm::txn {
namespace {

using test::at;
using test::fire_all;

constexpr TimerConfig kUdp{};
constexpr TimerConfig kTcp{.reliable = true};

TEST(ServerNonInvite, TryingAbsorbsRetransmissions) {
    ServerTxn t;
    EXPECT_EQ(t.start(TxnKind::kNonInvite, kUdp, at(0)), 0u);
    EXPECT_EQ(t.state(), State::kTrying);
    EXPECT_EQ(t.on_request_retransmission(at(500)).actions, kAbsorb);
}

TEST(ServerNonInvite, ProceedingResendsTheProvisional) {
    ServerTxn t;
    t.start(TxnKind::kNonInvite, kUdp, at(0));
    EXPECT_EQ(t.on_send_response(100, at(10)).actions, kNone);
    EXPECT_EQ(t.state(), State::kProceeding);
    EXPECT_EQ(t.on_request_retransmission(at(500)).actions, kResendLastResponse);
    EXPECT_EQ(t.on_send_response(183, at(600)).actions, kNone);
    EXPECT_EQ(t.deadline_ns(), 0u);
}

TEST(ServerNonInvite, FinalWaitsTimerJResendingTheFinal) {
    ServerTxn t;
    t.start(TxnKind::kNonInvite, kUdp, at(0));
    t.on_send_response(100, at(10));
    Outcome o = t.on_send_response(200, at(1000));
    EXPECT_EQ(o.actions, kNone);
    EXPECT_EQ(o.deadline_ns, at(1000 + 32000));
    EXPECT_EQ(t.state(), State::kCompleted);
    // No Timer G outside INVITE: the final is resent only when the request comes again.
    EXPECT_EQ(t.on_request_retransmission(at(1500)).actions, kResendLastResponse);
    EXPECT_EQ(t.on_send_response(500, at(1600)).actions, kAbsorb);
    EXPECT_EQ(t.on_ack(at(1700)).actions, kAbsorb);
    EXPECT_EQ(t.state(), State::kCompleted);

    auto fired = fire_all(t, at(33000));
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].outcome.actions, kTerminated);
    EXPECT_EQ(fired[0].outcome.timer, TimerId::kJ);
    EXPECT_EQ(reason(fired[0].outcome), nullptr);
    EXPECT_EQ(t.on_request_retransmission(at(33001)).actions, kAbsorb);
}

TEST(ServerNonInvite, FinalDirectlyFromTrying) {
    ServerTxn t;
    t.start(TxnKind::kNonInvite, kUdp, at(0));
    EXPECT_EQ(t.on_send_response(481, at(5)).deadline_ns, at(32005));
    EXPECT_EQ(t.on_request_retransmission(at(10)).actions, kResendLastResponse);
}

TEST(ServerNonInvite, TimerJIsZeroOnReliableTransports) {
    ServerTxn t;
    t.start(TxnKind::kNonInvite, kTcp, at(0));
    Outcome o = t.on_send_response(200, at(5));
    EXPECT_EQ(o.actions, kTerminated);
    EXPECT_EQ(o.deadline_ns, 0u);
}

TEST(ServerNonInvite, CustomT1ScalesTimerJ) {
    ServerTxn t;
    t.start(TxnKind::kNonInvite, {.t1_ms = 100}, at(0));
    EXPECT_EQ(t.on_send_response(200, at(0)).deadline_ns, at(6400));
}

TEST(ServerNonInvite, TransportErrorTerminates) {
    ServerTxn t;
    t.start(TxnKind::kNonInvite, kUdp, at(0));
    EXPECT_EQ(t.on_transport_error(at(1)).actions, kTransportError | kTerminated);
    EXPECT_EQ(t.state(), State::kTerminated);
}

}  // namespace
}  // namespace sipstorm::txn
