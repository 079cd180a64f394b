// The result file: one JSON document per run, the single source for the terminal summary, CSV,
// HTML report, gates and `compare`. Built from the final merged snapshot, each shard's final
// snapshot (for generator health) and the per-second series.
#pragma once
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "stats/counters.hpp"
#include "stats/snapshot.hpp"

namespace sipstorm::stats {

// Written as "schema_version". Raise it when a key changes meaning or disappears (readers such as
// `compare` then know what they hold); adding keys keeps the version. See tools/RESULT_SCHEMA.md.
inline constexpr int kResultSchemaVersion = 1;

struct RunInfo {
    std::string tool_version;
    std::string command_line;
    std::string scenario;
    std::string target;
    uint64_t started_unix_ms = 0;
    double duration_s = 0;       // measured run time (achieved rate = attempted / duration_s)
    double rate_target_cps = 0;  // 0 when the run was not rate-driven (--concurrent)
    // Names for the per-method counters and histograms, by sip::Method index ("INVITE", ...).
    // Unnamed indices with data are written as "method_<i>".
    std::array<std::string, kMaxMethods> method_names;
    // The scenario's own counters and timers (SIPp's counter= and rtd), by index; written under
    // "counters" and latency_ms.timers / histograms.timer_us by name.
    std::vector<std::string> counter_names, timer_names;
};

// The generator was saturated when it, not the target, may have limited the run:
//  - schedule lag above lag_ns at any time: calls started late (CPU, or the --concurrent cap
//    holding back a --rate run), so rate and latencies understate what was asked for;
//  - some shard busy for more than busy_share of its loop time: no headroom left, lag follows;
//  - any receive drop in the kernel or NIC: responses were lost on our side and will look like
//    target timeouts and retransmissions.
// TX errors are reported but don't count: they are as often the target's doing (ICMP unreachable).
struct SaturationLimits {
    uint64_t lag_ns = 100'000'000;
    double busy_share = 0.95;
    uint64_t rx_drops = 0;  // more than this is saturation
};

struct Saturation {
    bool saturated = false;
    std::string reason;  // every limit exceeded, "; "-separated; empty when not saturated
};

// busy_ns / loop_ns of one snapshot (0 when the loop time is unknown).
double busy_share(const Counts& c);

Saturation assess_saturation(const Snapshot& total, std::span<const Snapshot* const> shards,
                             const SaturationLimits& limits = {});

// total: all shards merged. shards: each shard's final snapshot, in shard order.
nlohmann::json make_result(const RunInfo& run, const Snapshot& total, std::span<const Snapshot* const> shards,
                           std::span<const SeriesRow> series, const SaturationLimits& limits = {});

// Reads a result file's totals back into a Snapshot (counters and histograms) so that results of
// several machines can be merged (merge_into) and written out again. Not recovered: busy time and
// the per-second series. Throws nlohmann::json::exception or std::invalid_argument on malformed input.
void snapshot_from_result(const nlohmann::json& result, const RunInfo& names, Snapshot& out);

}  // namespace sipstorm::stats
