// RFC 3261 §17.1 client transactions: INVITE (Calling, Proceeding, Completed, Terminated; Timers
// A, B, D) and non-INVITE (Trying, Proceeding, Completed, Terminated; Timers E, F, K).
//
// A value type embedded in each call: no I/O, no timers, no allocation. The caller sends what the
// returned actions say and arms one timer at Outcome::deadline_ns (re-arming it after every call;
// a timer that fires early or late is harmless, on_timer() acts only on what is due).
//
// Deliberate RFC 3261 (not RFC 6026) behaviour: a 2xx to an INVITE terminates the transaction;
// later 2xx retransmissions belong to the dialog, which re-sends its own ACK. In the INVITE
// Proceeding state no transaction timer runs (Timer B stops at the first 1xx), so a call that
// never gets a final response must be ended by the call's own timeout.
#pragma once
#include <cstdint>

#include "txn/action.hpp"
#include "txn/timers.hpp"

namespace sipstorm::txn {

class ClientTxn {
  public:
    // Call right after the request went out for the first time. Returns the deadline to arm.
    uint64_t start(TxnKind kind, const TimerConfig& cfg, uint64_t now_ns);

    // A response matched to this transaction (§17.1.3). kDeliver: pass it to the call; kAbsorb:
    // drop it; kSendAck: build and send the ACK (§17.1.1.3), also for retransmitted finals.
    Outcome on_response(uint16_t code, uint64_t now_ns);

    // The timer armed at the last deadline fired. kRetransmit: resend the request; kTimeout:
    // Timer B/F, fail the call with reason(); kTerminated alone: Timer D/K ended the wait.
    Outcome on_timer(uint64_t now_ns);

    // Sending the request (or the ACK) failed: kTransportError | kTerminated.
    Outcome on_transport_error(uint64_t now_ns);

    State state() const { return state_; }
    TxnKind kind() const { return kind_; }
    // Started and not yet terminated.
    bool active() const { return state_ != State::kIdle && state_ != State::kTerminated; }
    uint64_t deadline_ns() const { return earliest(retx_at_, end_at_); }

  private:
    Outcome invite_response(uint16_t code, uint64_t now_ns);
    Outcome non_invite_response(uint16_t code, uint64_t now_ns);
    Outcome terminate(Actions actions, TimerId timer);
    Outcome stay(Actions actions, TimerId timer = TimerId::kNone) const {
        return {deadline_ns(), actions, timer};
    }
    TimerConfig config() const { return {t1_ms_, t2_ms_, t4_ms_, reliable_}; }

    // The config is unpacked into fields so that the whole transaction fits 32 bytes.
    uint64_t retx_at_ = 0;  // Timer A/E; 0 = not running
    uint64_t end_at_ = 0;   // Timer B/F until a final response, then Timer D/K; 0 = not running
    uint32_t t1_ms_ = 0, t2_ms_ = 0, t4_ms_ = 0;
    State state_ = State::kIdle;
    TxnKind kind_ = TxnKind::kInvite;
    bool reliable_ = false;
    uint8_t retransmits_ = 0;  // only drives the backoff (the caller counts for stats); saturates
};

static_assert(sizeof(ClientTxn) <= 32, "one lives in every call");

}  // namespace sipstorm::txn
