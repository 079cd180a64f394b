// RFC 3261 §17 timer values (the table in Appendix A), derived from T1, T2, T4 and the transport.
// Everything is in milliseconds except the deadline helpers, which work on absolute nanoseconds
// like the rest of the engine.
#pragma once
#include <algorithm>
#include <cstdint>

namespace sipstorm::txn {

struct TimerConfig {
    uint32_t t1_ms = 500;   // RTT estimate
    uint32_t t2_ms = 4000;  // cap on non-INVITE request and INVITE response retransmit intervals
    uint32_t t4_ms = 5000;  // how long a message can linger in the network
    bool reliable = false;  // TCP/TLS/SCTP: no retransmissions and no wait states
};

inline constexpr uint64_t kNsPerMs = 1'000'000;

// Initial retransmit intervals; 0 = the timer is not used (reliable transports).
constexpr uint64_t timer_a_ms(const TimerConfig& c) {
    return c.reliable ? 0 : c.t1_ms;
}
constexpr uint64_t timer_e_ms(const TimerConfig& c) {
    return timer_a_ms(c);
}
constexpr uint64_t timer_g_ms(const TimerConfig& c) {
    return timer_a_ms(c);
}

// Transaction timeouts, independent of the transport: 64*T1 covers the whole retransmit schedule.
constexpr uint64_t timer_b_ms(const TimerConfig& c) {
    return 64ull * c.t1_ms;
}
constexpr uint64_t timer_f_ms(const TimerConfig& c) {
    return timer_b_ms(c);
}
constexpr uint64_t timer_h_ms(const TimerConfig& c) {
    return timer_b_ms(c);
}

// Wait states that absorb retransmissions; a reliable transport has none, so they are 0.
// D must outlast the server's Timer H (64*T1) during which it may still retransmit its final
// response; the RFC's "> 32 s" is that figure at the default T1, so a larger T1 stretches D.
constexpr uint64_t timer_d_ms(const TimerConfig& c) {
    return c.reliable ? 0 : std::max<uint64_t>(32'000, timer_b_ms(c));
}
constexpr uint64_t timer_i_ms(const TimerConfig& c) {
    return c.reliable ? 0 : c.t4_ms;
}
constexpr uint64_t timer_j_ms(const TimerConfig& c) {
    return c.reliable ? 0 : timer_b_ms(c);
}
constexpr uint64_t timer_k_ms(const TimerConfig& c) {
    return c.reliable ? 0 : c.t4_ms;
}

// The interval before the next retransmission once `sent` retransmissions have gone out: T1, then
// doubling, capped at cap_ms (cap_ms = 0: uncapped, as Timer A is).
constexpr uint64_t backoff_ms(uint32_t t1_ms, uint32_t cap_ms, uint8_t sent) {
    if (sent == 0) return t1_ms;
    // Past 2^32 the doubling would overflow; no transaction lives that long anyway.
    uint64_t v = uint64_t{t1_ms} << std::min<uint8_t>(sent, 32);
    return cap_ms == 0 ? v : std::min<uint64_t>(v, cap_ms);
}

// The next retransmission is due one interval after the one just fired, so a timer wheel that
// fires a little late does not stretch the whole schedule; if the caller fell a full interval
// behind, count from now instead of firing a burst of catch-up retransmissions.
constexpr uint64_t next_due_ns(uint64_t fired_due_ns, uint64_t interval_ms, uint64_t now_ns) {
    uint64_t due = fired_due_ns + interval_ms * kNsPerMs;
    return due > now_ns ? due : now_ns + interval_ms * kNsPerMs;
}

// The earlier of two deadlines where 0 means "not armed".
constexpr uint64_t earliest(uint64_t a, uint64_t b) {
    if (a == 0) return b;
    if (b == 0) return a;
    return std::min(a, b);
}

}  // namespace sipstorm::txn
