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

// Why TCP/TLS connections ended badly (net::ConnError, in the same order).
inline constexpr size_t kConnFailReasons = 15;
inline constexpr std::array<std::string_view, kConnFailReasons> kConnFailReasonNames = {"refused",
                                                                                        "reset",
                                                                                        "closed_by_peer",
                                                                                        "connect_timeout",
                                                                                        "tls_handshake",
                                                                                        "certificate",
                                                                                        "no_content_length",
                                                                                        "bad_content_length",
                                                                                        "message_too_large",
                                                                                        "idle_timeout",
                                                                                        "keepalive_timeout",
                                                                                        "slow_peer",
                                                                                        "over_limit",
                                                                                        "too_many_files",
                                                                                        "other"};

enum class RetransKind : uint8_t { kInvite, kBye, kOtherRequest, k2xx, kOtherResponse, kCount };
inline constexpr size_t kRetransKinds = static_cast<size_t>(RetransKind::kCount);
inline constexpr std::array<std::string_view, kRetransKinds> kRetransKindNames = {
    "invite", "bye", "other_request", "2xx", "other_response"};

// Requests are counted by sip::Method index (stats does not depend on sip; the call engine
// static_asserts that sip::Method::kCount <= kMaxMethods). Responses by class: [0] = 1xx .. [5] = 6xx.
inline constexpr size_t kMaxMethods = 16;
inline constexpr size_t kDtmfEvents = 16;  // RFC 4733 events 0-15: 0-9 * # A-D
inline constexpr size_t kResponseClasses = 6;
// A scenario's own counters (SIPp's counter=) and timers (SIPp's start_rtd / rtd, 5 as in SIPp),
// by index; their names are the program's (RunInfo::counter_names / timer_names).
inline constexpr size_t kScenarioCounters = 16;
inline constexpr size_t kScenarioTimers = 5;

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
    T auto_answered{};  // in-call requests answered 200 by --auto-answer (SIPp's -aa)
    T parse_errors{};
    // Generator health.
    T lag_ns{};               // max: schedule lag now (ArrivalSchedule::lag_ns)
    T lag_max_ns{};           // max: worst lag since start
    T lag_max_interval_ns{};  // max: worst lag since the previous publish (reset by ShardStats::publish)
    T busy_ns{};              // loop time spent doing work; busy share = Δbusy_ns / Δloop_ns
    T loop_ns{};              // total loop time
    T rx_drops{};             // kernel receive drops (SO_RXQ_OVFL) or NIC drops
    T tx_errors{};
    T bytes_in{}, bytes_out{};  // SIP bytes received and sent (TLS: the plaintext)
    // Stream transports (TCP/TLS).
    T conn_opened{};    // outgoing connections established (TLS: handshake done)
    T conn_accepted{};  // incoming connections accepted
    T conn_closed{};
    T conn_current{};  // gauge
    T conn_peak{};     // max
    T conn_reconnects{};
    T tls_resumed{};
    T keepalives_sent{}, keepalive_pongs{}, keepalives_answered{};  // RFC 5626 CRLF pings / pongs
    std::array<T, kConnFailReasons> conn_failed{};
    // RTP media (engine/media): packets as they are sent and received, streams when their call ends.
    T media_streams{};  // streams ended
    T media_live{};     // gauge: streams open
    T media_packets_out{}, media_packets_in{};
    T media_bytes_out{}, media_bytes_in{};
    T media_expected{}, media_lost{};  // RFC 3550 A.3, summed over ended streams
    T media_duplicates{}, media_reordered{};
    T media_late_packets{};  // sent more than media::kLateNs after their due time
    T media_no_rtp_calls{};  // calls whose stream received nothing
    T media_rtcp_out{}, media_rtcp_in{};
    T media_bad_packets{};  // a payload type or SSRC the SDP did not announce
    std::array<T, kDtmfEvents> dtmf_received{};
    T dtmf_sent{};
    std::array<T, kScenarioCounters> scenario_counters{};
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
    f(a.auto_answered, b.auto_answered, Combine::kSum);
    f(a.parse_errors, b.parse_errors, Combine::kSum);
    f(a.lag_ns, b.lag_ns, Combine::kMax);
    f(a.lag_max_ns, b.lag_max_ns, Combine::kMax);
    f(a.lag_max_interval_ns, b.lag_max_interval_ns, Combine::kMax);
    f(a.busy_ns, b.busy_ns, Combine::kSum);
    f(a.loop_ns, b.loop_ns, Combine::kSum);
    f(a.rx_drops, b.rx_drops, Combine::kSum);
    f(a.tx_errors, b.tx_errors, Combine::kSum);
    f(a.bytes_in, b.bytes_in, Combine::kSum);
    f(a.bytes_out, b.bytes_out, Combine::kSum);
    f(a.conn_opened, b.conn_opened, Combine::kSum);
    f(a.conn_accepted, b.conn_accepted, Combine::kSum);
    f(a.conn_closed, b.conn_closed, Combine::kSum);
    f(a.conn_current, b.conn_current, Combine::kGauge);
    f(a.conn_peak, b.conn_peak, Combine::kSum);  // each shard's own peak: their sum bounds the whole's
    f(a.conn_reconnects, b.conn_reconnects, Combine::kSum);
    f(a.tls_resumed, b.tls_resumed, Combine::kSum);
    f(a.keepalives_sent, b.keepalives_sent, Combine::kSum);
    f(a.keepalive_pongs, b.keepalive_pongs, Combine::kSum);
    f(a.keepalives_answered, b.keepalives_answered, Combine::kSum);
    each(a.conn_failed, b.conn_failed, Combine::kSum);
    f(a.media_streams, b.media_streams, Combine::kSum);
    f(a.media_live, b.media_live, Combine::kGauge);
    f(a.media_packets_out, b.media_packets_out, Combine::kSum);
    f(a.media_packets_in, b.media_packets_in, Combine::kSum);
    f(a.media_bytes_out, b.media_bytes_out, Combine::kSum);
    f(a.media_bytes_in, b.media_bytes_in, Combine::kSum);
    f(a.media_expected, b.media_expected, Combine::kSum);
    f(a.media_lost, b.media_lost, Combine::kSum);
    f(a.media_duplicates, b.media_duplicates, Combine::kSum);
    f(a.media_reordered, b.media_reordered, Combine::kSum);
    f(a.media_late_packets, b.media_late_packets, Combine::kSum);
    f(a.media_no_rtp_calls, b.media_no_rtp_calls, Combine::kSum);
    f(a.media_rtcp_out, b.media_rtcp_out, Combine::kSum);
    f(a.media_rtcp_in, b.media_rtcp_in, Combine::kSum);
    f(a.media_bad_packets, b.media_bad_packets, Combine::kSum);
    each(a.dtmf_received, b.dtmf_received, Combine::kSum);
    f(a.dtmf_sent, b.dtmf_sent, Combine::kSum);
    each(a.scenario_counters, b.scenario_counters, Combine::kSum);
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
