// Test helpers: explicit time, and a loop that fires a machine's timer exactly at each deadline it
// asks for, the way the call engine's timer wheel will.
#pragma once
#include <cstdint>
#include <vector>

#include "txn/action.hpp"
#include "txn/timers.hpp"

namespace sipstorm::txn::test {

// Far from zero, so that a real deadline can never be mistaken for "0 = none".
inline constexpr uint64_t kT0 = 1'000'000'000'000ull;

constexpr uint64_t at(uint64_t ms) {
    return kT0 + ms * kNsPerMs;
}
constexpr uint64_t ms_of(uint64_t ns) {
    return (ns - kT0) / kNsPerMs;
}

struct Fired {
    uint64_t ms;  // since kT0
    Outcome outcome;
};

template <class Machine>
std::vector<Fired> fire_all(Machine& m, uint64_t deadline_ns) {
    std::vector<Fired> out;
    // The guard only stops a broken machine from hanging the test.
    for (int guard = 0; deadline_ns != 0 && guard < 1000; ++guard) {
        Outcome o = m.on_timer(deadline_ns);
        out.push_back({ms_of(deadline_ns), o});
        deadline_ns = o.deadline_ns;
    }
    return out;
}

// The times (ms since kT0) at which the machine asked for a retransmission.
inline std::vector<uint64_t> retransmits(const std::vector<Fired>& fired) {
    std::vector<uint64_t> out;
    for (const Fired& f : fired)
        if (f.outcome.has(kRetransmit)) out.push_back(f.ms);
    return out;
}

}  // namespace sipstorm::txn::test
