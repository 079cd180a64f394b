// The named metrics of a result file that gates and `compare` talk about, where each lives in the
// result JSON, and which way is better. One catalogue, so that a gate, a comparison and the error
// listing the known names can't disagree.
//
//   scalars     failed_calls succeeded_calls attempted_calls achieved_cps target_cps retransmissions
//               duration_s unexpected parse_errors lag_ms_max rx_drops tx_errors saturated (0/1)
//   by name     failed(REASON)        REASON: timeout unexpected_message 4xx 5xx 6xx transport_error
//                                             aborted other
//               retransmissions(KIND) KIND: invite bye other_request 2xx other_response
//   latencies   STAT(DIST)            STAT: p50 p90 p99 p999 max mean; DIST: setup_ms call_ms
//                                     response_ms.METHOD (e.g. response_ms.INVITE); values in ms
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace sipstorm::report {

enum class Better : uint8_t { kLower, kHigher, kNeither };

struct MetricRef {
    enum class Kind : uint8_t { kScalar, kFailedBy, kRetransBy, kLatency };
    Kind kind = Kind::kScalar;
    int index = 0;     // kScalar: row of the scalar table; kLatency: the statistic (p50 ...)
    int dist = 0;      // kLatency: setup, call or response
    std::string arg;   // reason, retransmission kind or method
    std::string text;  // canonical spelling, e.g. "p99(setup_ms)"
    Better better = Better::kLower;
};

// Resolves `name` (no argument) or `name(arg)` (has_arg) into a metric. On an unknown or misused
// name returns false and an error naming it and listing what is known.
bool resolve_metric(std::string_view name, bool has_arg, std::string_view arg, MetricRef& out,
                    std::string& error);

// The metric's value in a result file. False, with `why`, when the result does not hold it, e.g.
// a latency with no samples: a percentile of nothing is not 0, and a gate on it must not pass.
bool metric_value(const MetricRef& m, const nlohmann::json& result, double& out, std::string& why);

// "failed_calls, succeeded_calls, ..., failed(REASON), ..." for error messages and help text.
std::string known_metrics_text();

}  // namespace sipstorm::report
