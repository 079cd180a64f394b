// The UA core's 2xx retransmission for an INVITE it answered (RFC 3261 §13.3.1.4). The INVITE server
// transaction ends when it sends a 2xx, so the core itself resends the 2xx, starting at T1 and
// doubling up to T2, until the ACK arrives; after 64*T1 without an ACK the call fails ("no ACK for
// 2xx") and the session should be ended with a BYE. This runs on reliable transports as well: the
// 2xx travels end to end and a later hop may be UDP. Same contract as the transaction machines.
#pragma once
#include <cstdint>

#include "txn/action.hpp"
#include "txn/timers.hpp"

namespace sipstorm::txn {

class Uas2xxRetransmit {
  public:
    // Call when the 2xx went out for the first time. Returns the deadline to arm.
    uint64_t start(const TimerConfig& cfg, uint64_t now_ns);

    // kRetransmit: resend the 2xx; kTimeout | kTerminated (TimerId::k2xx): give up, no ACK came.
    Outcome on_timer(uint64_t now_ns);

    // The ACK for the 2xx arrived: kTerminated, stop retransmitting.
    Outcome on_ack(uint64_t now_ns);

    // A retransmitted INVITE reached the core (the transaction is gone): kResendLastResponse while
    // still waiting for the ACK, else kAbsorb.
    Outcome on_request_retransmission(uint64_t now_ns);

    bool active() const { return active_; }
    uint64_t deadline_ns() const { return earliest(retx_at_, end_at_); }

  private:
    Outcome stop(Actions actions);

    uint64_t retx_at_ = 0;  // next resend
    uint64_t end_at_ = 0;   // 64*T1 after the first send
    uint32_t t1_ms_ = 0, t2_ms_ = 0;
    uint8_t retransmits_ = 0;  // only drives the backoff; saturates
    bool active_ = false;
};

static_assert(sizeof(Uas2xxRetransmit) <= 32, "one lives in every call");

}  // namespace sipstorm::txn
