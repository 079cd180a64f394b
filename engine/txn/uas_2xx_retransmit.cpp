#include "txn/uas_2xx_retransmit.hpp"

namespace sipstorm::txn {

uint64_t Uas2xxRetransmit::start(const TimerConfig& cfg, uint64_t now_ns) {
    *this = Uas2xxRetransmit{};
    t1_ms_ = cfg.t1_ms;
    t2_ms_ = cfg.t2_ms;
    active_ = true;
    // cfg.reliable is ignored on purpose, see the header.
    retx_at_ = now_ns + uint64_t{cfg.t1_ms} * kNsPerMs;
    end_at_ = now_ns + timer_b_ms(cfg) * kNsPerMs;
    return deadline_ns();
}

Outcome Uas2xxRetransmit::on_timer(uint64_t now_ns) {
    if (!active_) return {0, kNone, TimerId::kNone};
    if (now_ns >= end_at_) {
        Outcome o = stop(kTimeout);
        o.timer = TimerId::k2xx;
        return o;
    }
    if (now_ns >= retx_at_) {
        if (retransmits_ < UINT8_MAX) ++retransmits_;
        retx_at_ = next_due_ns(retx_at_, backoff_ms(t1_ms_, t2_ms_, retransmits_), now_ns);
        return {deadline_ns(), kRetransmit, TimerId::k2xx};
    }
    return {deadline_ns(), kNone, TimerId::kNone};
}

Outcome Uas2xxRetransmit::on_ack(uint64_t /*now_ns*/) {
    if (!active_) return {0, kNone, TimerId::kNone};
    return stop(kNone);
}

Outcome Uas2xxRetransmit::on_request_retransmission(uint64_t /*now_ns*/) {
    return {deadline_ns(), active_ ? kResendLastResponse : kAbsorb, TimerId::kNone};
}

Outcome Uas2xxRetransmit::stop(Actions actions) {
    active_ = false;
    retx_at_ = end_at_ = 0;
    return {0, static_cast<Actions>(actions | kTerminated), TimerId::kNone};
}

}  // namespace sipstorm::txn
