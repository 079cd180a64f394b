// A plain-value picture of a shard's (or a whole run's) statistics at one moment: counters plus
// histograms. Shards publish them (shard_stats.hpp); the reporter merges them across shards and
// differences consecutive ones into the per-second series. About 510 KB: keep them on the heap.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "stats/counters.hpp"
#include "stats/histogram.hpp"

namespace sipstorm::stats {

struct Histograms {
    Histogram setup_us;  // INVITE intended send time -> 200 received
    Histogram call_us;   // call intended start -> call end (last message of the scenario)
    std::array<Histogram, kMaxMethods> response_us;  // request sent -> final response, by sip::Method index
    Histogram connect_us;                            // TCP/TLS: connect() -> connected
    Histogram handshake_us;                          // TLS: handshake start -> done
    // RTP media, one value per stream at its end (MOS in thousandths), and each packet's send lateness.
    Histogram media_jitter_us, media_jitter_max_us, media_mos_milli, media_rtt_us, media_echo_rtt_us;
    Histogram media_send_late_us;
    // Generator health: how late the shard loop handled something it had a deadline for (a timer, a
    // scheduled call start), from that deadline to the loop pass that handled it.
    Histogram timer_late_us;
    // The scenario's own timers (SIPp's rtd): start_rtd -> rtd, by index (stats/counters.hpp).
    std::array<Histogram, kScenarioTimers> scenario_timer_us;

    void add(const Histograms& o);
    void subtract(const Histograms& earlier);
};

struct Snapshot {
    uint64_t seq = 0;       // publications by the source so far; 0 = nothing published yet
    uint64_t taken_ns = 0;  // monotonic time of the reading (the latest one, when merged)
    // The second of the run (1, 2, ...) whose events this reading ends with, and whether that second
    // is over for the source (a reading on a whole-second boundary) or still running (one asked for
    // between boundaries, or the last one). See stats/series.hpp.
    uint32_t interval = 0;
    bool closes_interval = false;
    uint32_t sources = 0;  // shards (or machines' snapshots) merged into this one
    Counts counts;
    Histograms hist;
};

// acc += s: counters per their Combine rule, histograms added.
void merge_into(Snapshot& acc, const Snapshot& s);
std::unique_ptr<Snapshot> merge(std::span<const Snapshot* const> parts);

// The interval between two snapshots of the same source (later - earlier): sums subtract, gauges and
// maxima keep the later value, histograms hold only the interval's values.
void delta(const Snapshot& later, const Snapshot& earlier, Snapshot& out);

// One row of the per-second series (built by stats/series.hpp).
struct SeriesRow {
    double t_s = 0;         // end of the interval, seconds since run start
    double interval_s = 0;  // its length (about 1)
    Counts counts;  // sums over the interval; gauges and lag at its end; lag_max_interval_ns its worst
    uint64_t setup_count = 0;
    uint64_t setup_p50_us = 0, setup_p99_us = 0, setup_max_us = 0;
    uint64_t media_jitter_p99_us = 0, media_mos_p5_milli = 0;  // of the streams that ended in the interval
    uint64_t timer_late_p99_us = 0, timer_late_max_us = 0;
};

}  // namespace sipstorm::stats
