// The engine's one time source. Monotonic so NTP steps never make timers or latencies jump; every
// timestamp in the engine (timer deadlines, intended start times, latencies) is in this clock's ns.
#pragma once
#include <time.h>

#include <cstdint>

namespace sipstorm::runtime {

inline uint64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace sipstorm::runtime
