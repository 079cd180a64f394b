// RFC 3261 §17.2 server transactions: INVITE (Proceeding, Completed, Confirmed, Terminated;
// Timers G, H, I) and non-INVITE (Trying, Proceeding, Completed, Terminated; Timer J).
//
// Same contract as ClientTxn: no I/O, no timers, no allocation; the caller keeps the bytes of the
// last response it sent (to resend them) and arms one timer at Outcome::deadline_ns.
//
// A 2xx to an INVITE terminates the transaction (RFC 3261, not RFC 6026): from then on the UA core
// retransmits the 2xx itself until the ACK, see Uas2xxRetransmit. The "100 Trying within 200 ms"
// duty (§17.2.1) is left to the scenario, which answers at once in a load generator.
#pragma once
#include <cstdint>

#include "txn/action.hpp"
#include "txn/timers.hpp"

namespace sipstorm::txn {

class ServerTxn {
  public:
    // Call when a new request (not a retransmission) arrived. Returns the deadline to arm, which is
    // always 0: no server timer runs before the first final response.
    uint64_t start(TxnKind kind, const TimerConfig& cfg, uint64_t now_ns);

    // The request arrived again. kResendLastResponse: send the last response again; kAbsorb: drop it
    // (nothing to resend yet, or the transaction is past the point of answering).
    Outcome on_request_retransmission(uint64_t now_ns);

    // The TU is about to send a response with this code. kAbsorb: do not send it, the transaction
    // already has its final response; otherwise send it. An INVITE 2xx returns kTerminated.
    Outcome on_send_response(uint16_t code, uint64_t now_ns);

    // An ACK matched this INVITE transaction (i.e. for a non-2xx final). Always kAbsorb: such an ACK
    // never reaches the TU; in Completed it also moves to Confirmed and starts Timer I.
    Outcome on_ack(uint64_t now_ns);

    // kRetransmit: Timer G, resend the last response; kTimeout: Timer H, fail the call with
    // reason(); kTerminated alone: Timer I/J ended the wait.
    Outcome on_timer(uint64_t now_ns);

    // Sending a response failed: kTransportError | kTerminated.
    Outcome on_transport_error(uint64_t now_ns);

    State state() const { return state_; }
    TxnKind kind() const { return kind_; }
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

    uint64_t retx_at_ = 0;  // Timer G; 0 = not running
    uint64_t end_at_ = 0;   // Timer H in Completed, I in Confirmed (INVITE); J in Completed; 0 = none
    uint32_t t1_ms_ = 0, t2_ms_ = 0, t4_ms_ = 0;
    State state_ = State::kIdle;
    TxnKind kind_ = TxnKind::kInvite;
    bool reliable_ : 1 = false;
    bool sent_response_ : 1 = false;  // whether a request retransmission has an answer to resend
    uint8_t retransmits_ = 0;         // only drives Timer G's backoff; saturates
};

static_assert(sizeof(ServerTxn) <= 32, "one lives in every call");

}  // namespace sipstorm::txn
