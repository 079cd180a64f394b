#include "txn/server_txn.hpp"

namespace sipstorm::txn {

uint64_t ServerTxn::start(TxnKind kind, const TimerConfig& cfg, uint64_t /*now_ns*/) {
    *this = ServerTxn{};
    kind_ = kind;
    t1_ms_ = cfg.t1_ms;
    t2_ms_ = cfg.t2_ms;
    t4_ms_ = cfg.t4_ms;
    reliable_ = cfg.reliable;
    state_ = kind == TxnKind::kInvite ? State::kProceeding : State::kTrying;
    return 0;
}

Outcome ServerTxn::on_request_retransmission(uint64_t /*now_ns*/) {
    switch (state_) {
        case State::kProceeding:
            // An INVITE server enters Proceeding before the TU has said anything.
            return stay(sent_response_ ? kResendLastResponse : kAbsorb);
        case State::kCompleted:
            return stay(kResendLastResponse);
        default:
            // Trying: no response yet; Confirmed: only ACKs are expected (§17.2.1).
            return stay(kAbsorb);
    }
}

Outcome ServerTxn::on_send_response(uint16_t code, uint64_t now_ns) {
    if (code < 100 || code > 699) return stay(kAbsorb);
    return kind_ == TxnKind::kInvite ? invite_response(code, now_ns) : non_invite_response(code, now_ns);
}

Outcome ServerTxn::invite_response(uint16_t code, uint64_t now_ns) {
    if (state_ != State::kProceeding) return stay(kAbsorb);
    sent_response_ = true;
    if (code < 200) return stay(kNone);
    if (code < 300) return terminate(kNone, TimerId::kNone);
    state_ = State::kCompleted;
    const TimerConfig cfg = config();
    if (uint64_t g = timer_g_ms(cfg)) retx_at_ = now_ns + g * kNsPerMs;
    // H runs on reliable transports too: it is what notices an ACK that never comes.
    end_at_ = now_ns + timer_h_ms(cfg) * kNsPerMs;
    return stay(kNone);
}

Outcome ServerTxn::non_invite_response(uint16_t code, uint64_t now_ns) {
    if (state_ != State::kTrying && state_ != State::kProceeding) return stay(kAbsorb);
    sent_response_ = true;
    if (code < 200) {
        state_ = State::kProceeding;
        return stay(kNone);
    }
    state_ = State::kCompleted;
    if (uint64_t j = timer_j_ms(config())) {
        end_at_ = now_ns + j * kNsPerMs;
        return stay(kNone);
    }
    return terminate(kNone, TimerId::kNone);
}

Outcome ServerTxn::on_ack(uint64_t now_ns) {
    if (kind_ != TxnKind::kInvite || state_ != State::kCompleted) return stay(kAbsorb);
    state_ = State::kConfirmed;
    retx_at_ = 0;
    if (uint64_t i = timer_i_ms(config())) {
        end_at_ = now_ns + i * kNsPerMs;
        return stay(kAbsorb);
    }
    return terminate(kAbsorb, TimerId::kNone);
}

Outcome ServerTxn::on_timer(uint64_t now_ns) {
    if (!active()) return {0, kNone, TimerId::kNone};
    if (end_at_ != 0 && now_ns >= end_at_) {
        // Checked before Timer G so that H wins a tie and no response goes out after giving up.
        if (kind_ == TxnKind::kNonInvite) return terminate(kNone, TimerId::kJ);
        if (state_ == State::kConfirmed) return terminate(kNone, TimerId::kI);
        return terminate(kTimeout, TimerId::kH);
    }
    if (retx_at_ != 0 && now_ns >= retx_at_) {
        if (retransmits_ < UINT8_MAX) ++retransmits_;
        retx_at_ = next_due_ns(retx_at_, backoff_ms(t1_ms_, t2_ms_, retransmits_), now_ns);
        return stay(kRetransmit, TimerId::kG);
    }
    return stay(kNone);
}

Outcome ServerTxn::on_transport_error(uint64_t /*now_ns*/) {
    if (!active()) return {0, kNone, TimerId::kNone};
    return terminate(kTransportError, TimerId::kNone);
}

Outcome ServerTxn::terminate(Actions actions, TimerId timer) {
    state_ = State::kTerminated;
    retx_at_ = end_at_ = 0;
    return {0, static_cast<Actions>(actions | kTerminated), timer};
}

}  // namespace sipstorm::txn
