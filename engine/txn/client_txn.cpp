#include "txn/client_txn.hpp"

namespace sipstorm::txn {

uint64_t ClientTxn::start(TxnKind kind, const TimerConfig& cfg, uint64_t now_ns) {
    *this = ClientTxn{};
    kind_ = kind;
    t1_ms_ = cfg.t1_ms;
    t2_ms_ = cfg.t2_ms;
    t4_ms_ = cfg.t4_ms;
    reliable_ = cfg.reliable;
    state_ = kind == TxnKind::kInvite ? State::kCalling : State::kTrying;
    if (uint64_t a = timer_a_ms(cfg)) retx_at_ = now_ns + a * kNsPerMs;  // A and E start alike
    end_at_ = now_ns + timer_b_ms(cfg) * kNsPerMs;                       // B and F too
    return deadline_ns();
}

Outcome ClientTxn::on_response(uint16_t code, uint64_t now_ns) {
    // Not a valid status code: a parser should have rejected it; never let it move the machine.
    if (code < 100 || code > 699) return stay(kAbsorb);
    return kind_ == TxnKind::kInvite ? invite_response(code, now_ns) : non_invite_response(code, now_ns);
}

Outcome ClientTxn::invite_response(uint16_t code, uint64_t now_ns) {
    switch (state_) {
        case State::kCalling:
        case State::kProceeding:
            if (code < 200) {
                // A provisional proves the server has the request: stop retransmitting, and Timer B
                // only guards the Calling state.
                state_ = State::kProceeding;
                retx_at_ = end_at_ = 0;
                return stay(kDeliver);
            }
            if (code < 300) return terminate(kDeliver, TimerId::kNone);
            state_ = State::kCompleted;
            retx_at_ = 0;
            if (uint64_t d = timer_d_ms(config())) {
                end_at_ = now_ns + d * kNsPerMs;
                return stay(kDeliver | kSendAck);
            }
            return terminate(kDeliver | kSendAck, TimerId::kNone);
        case State::kCompleted:
            // The server did not get our ACK and retransmitted its final response.
            return stay(code >= 300 ? kAbsorb | kSendAck : kAbsorb);
        default:
            return stay(kAbsorb);
    }
}

Outcome ClientTxn::non_invite_response(uint16_t code, uint64_t now_ns) {
    switch (state_) {
        case State::kTrying:
        case State::kProceeding:
            if (code < 200) {
                // Timer E keeps running; from its next expiry it is reset to T2 (§17.1.2.2).
                state_ = State::kProceeding;
                return stay(kDeliver);
            }
            state_ = State::kCompleted;
            retx_at_ = 0;
            if (uint64_t k = timer_k_ms(config())) {
                end_at_ = now_ns + k * kNsPerMs;
                return stay(kDeliver);
            }
            return terminate(kDeliver, TimerId::kNone);
        default:
            return stay(kAbsorb);
    }
}

Outcome ClientTxn::on_timer(uint64_t now_ns) {
    if (!active()) return {0, kNone, TimerId::kNone};
    const bool invite = kind_ == TxnKind::kInvite;
    if (end_at_ != 0 && now_ns >= end_at_) {
        // The timeout is checked first so that a retransmission due at the same instant is not sent.
        if (state_ == State::kCompleted) return terminate(kTerminated, invite ? TimerId::kD : TimerId::kK);
        return terminate(kTimeout, invite ? TimerId::kB : TimerId::kF);
    }
    if (retx_at_ != 0 && now_ns >= retx_at_) {
        if (retransmits_ < UINT8_MAX) ++retransmits_;
        uint64_t interval = invite                         ? backoff_ms(t1_ms_, 0, retransmits_)
                            : state_ == State::kProceeding ? t2_ms_
                                                           : backoff_ms(t1_ms_, t2_ms_, retransmits_);
        retx_at_ = next_due_ns(retx_at_, interval, now_ns);
        return stay(kRetransmit, invite ? TimerId::kA : TimerId::kE);
    }
    return stay(kNone);  // early or stale wake-up: just re-arm
}

Outcome ClientTxn::on_transport_error(uint64_t /*now_ns*/) {
    if (!active()) return {0, kNone, TimerId::kNone};
    return terminate(kTransportError, TimerId::kNone);
}

Outcome ClientTxn::terminate(Actions actions, TimerId timer) {
    state_ = State::kTerminated;
    retx_at_ = end_at_ = 0;
    return {0, static_cast<Actions>(actions | kTerminated), timer};
}

}  // namespace sipstorm::txn
