// Per-shard counters: written by the owning shard only, read at any time by the reporter thread
// without locks. Each is an atomic written with a relaxed load+store (one writer, so no atomic
// read-modify-write and no lock prefix on the hot path); a reader sees a recent value, never a torn one.
//
// The field list exists once, in CountersT, and is walked by for_each_field(): the live atomic
// version (ShardCounters) and the plain-value version (Counts) can't drift apart.
#pragma once
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipstorm::stats {

enum class FailReason : uint8_t {
    kTimeout,            // Timer B / F fired
    kUnexpectedMessage,  // a message the scenario did not allow at that point
    k4xx,                // final response by class
    k5xx,
    k6xx,
    kTransportError,  // send failed, ICMP unreachable, connection lost
    kAborted,         // still running at shutdown
    kOther,
    kCount
};
inline constexpr size_t kFailReasons = static_cast<size_t>(FailReason::kCount);
inline constexpr std::array<std::string_view, kFailReasons> kFailReasonNames = {
    "timeout", "unexpected_message", "4xx", "5xx", "6xx", "transport_error", "aborted", "other"};

enum class RetransKind : uint8_t { kInvite, kBye, kOtherRequest, k2xx, kOtherResponse, kCount };
inline constexpr size_t kRetransKinds = static_cast<size_t>(RetransKind::kCount);
inline constexpr std::array<std::string_view, kRetransKinds> kRetransKindNames = {
    "invite", "bye", "other_request", "2xx", "other_response"};

// Requests are counted by sip::Method index (stats does not depend on sip; the call engine
// static_asserts that sip::Method::kCount <= kMaxMethods). Responses by class: [0] = 1xx .. [5] = 6xx.
inline constexpr size_t kMaxMethods = 16;
inline constexpr size_t kResponseClasses = 6;

class Counter {
  public:
    void add(uint64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    void sub(uint64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed); }
    void set(uint64_t v) { v_.store(v, std::memory_order_relaxed); }
    void raise_to(uint64_t v) {
        if (v > v_.load(std::memory_order_relaxed)) v_.store(v, std::memory_order_relaxed);
    }
    uint64_t get() const { return v_.load(std::memory_order_relaxed); }

  private:
    std::atomic<uint64_t> v_{0};
};

// How a field combines. kSum: across shards add, over an interval subtract. kGauge (a level, e.g.
// calls in progress): across shards add, over an interval keep the later value. kMax: across shards
// take the largest, over an interval keep the later value.
enum class Combine : uint8_t { kSum, kGauge, kMax };

template <class T>
struct CountersT {
    T calls_attempted{};
    T calls_succeeded{};
    T calls_failed{};
    std::array<T, kFailReasons> failed_by_reason{};
    T concurrent_calls{};  // gauge
    std::array<T, kRetransKinds> retransmissions{};
    std::array<T, kMaxMethods> requests_in{}, requests_out{};
    std::array<T, kResponseClasses> responses_in{}, responses_out{};
    T unexpected_messages{};
    T parse_errors{};
    // Generator health.
    T lag_ns{};               // max: schedule lag now (ArrivalSchedule::lag_ns)
    T lag_max_ns{};           // max: worst lag since start
    T lag_max_interval_ns{};  // max: worst lag since the previous publish (reset by ShardStats::publish)
    T busy_ns{};              // loop time spent doing work; busy share = Δbusy_ns / Δloop_ns
    T loop_ns{};              // total loop time
    T rx_drops{};             // kernel receive drops (SO_RXQ_OVFL) or NIC drops
    T tx_errors{};
    // Resource levels (gauges), for soak runs: timers armed, call slots ever used.
    T timers_armed{};
    T call_slots_touched{};
};

using Counts = CountersT<uint64_t>;
using ShardCounters = CountersT<Counter>;

// Calls f(a.field, b.field, Combine) for every field of two CountersT, in declaration order.
template <class A, class B, class F>
void for_each_field(A& a, B& b, F&& f) {
    auto each = [&](auto& x, auto& y, Combine c) {
        for (size_t i = 0; i < x.size(); ++i) f(x[i], y[i], c);
    };
    f(a.calls_attempted, b.calls_attempted, Combine::kSum);
    f(a.calls_succeeded, b.calls_succeeded, Combine::kSum);
    f(a.calls_failed, b.calls_failed, Combine::kSum);
    each(a.failed_by_reason, b.failed_by_reason, Combine::kSum);
    f(a.concurrent_calls, b.concurrent_calls, Combine::kGauge);
    each(a.retransmissions, b.retransmissions, Combine::kSum);
    each(a.requests_in, b.requests_in, Combine::kSum);
    each(a.requests_out, b.requests_out, Combine::kSum);
    each(a.responses_in, b.responses_in, Combine::kSum);
    each(a.responses_out, b.responses_out, Combine::kSum);
    f(a.unexpected_messages, b.unexpected_messages, Combine::kSum);
    f(a.parse_errors, b.parse_errors, Combine::kSum);
    f(a.lag_ns, b.lag_ns, Combine::kMax);
    f(a.lag_max_ns, b.lag_max_ns, Combine::kMax);
    f(a.lag_max_interval_ns, b.lag_max_interval_ns, Combine::kMax);
    f(a.busy_ns, b.busy_ns, Combine::kSum);
    f(a.loop_ns, b.loop_ns, Combine::kSum);
    f(a.rx_drops, b.rx_drops, Combine::kSum);
    f(a.tx_errors, b.tx_errors, Combine::kSum);
    f(a.timers_armed, b.timers_armed, Combine::kGauge);
    f(a.call_slots_touched, b.call_slots_touched, Combine::kGauge);
}

// Any thread: the live counters' current values.
inline Counts load(const ShardCounters& live) {
    Counts out;
    for_each_field(out, live, [](uint64_t& o, const Counter& c, Combine) { o = c.get(); });
    return out;
}

// Adds another shard's (or machine's) counts.
inline void merge_into(Counts& acc, const Counts& more) {
    for_each_field(acc, more, [](uint64_t& a, const uint64_t& m, Combine c) {
        a = c == Combine::kMax ? (a > m ? a : m) : a + m;
    });
}

// What happened between two readings of the same source (earlier first).
inline Counts delta(const Counts& later, const Counts& earlier) {
    Counts out = later;
    for_each_field(out, earlier, [](uint64_t& o, const uint64_t& e, Combine c) {
        if (c == Combine::kSum) o = o >= e ? o - e : 0;
    });
    return out;
}

inline uint64_t retransmissions_total(const Counts& c) {
    uint64_t n = 0;
    for (uint64_t v : c.retransmissions) n += v;
    return n;
}

}  // namespace sipstorm::stats
