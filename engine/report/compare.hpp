// Comparing a result with a baseline result, metric by metric, for `sipstorm compare`.
//
// Each metric is a value expression (report/expr.hpp), usually a plain metric: "achieved_cps",
// "p99(setup_ms)". Its direction comes from its first metric: latencies, failures, retransmissions,
// lag and drops are better lower; achieved_cps, succeeded_calls and attempted_calls higher;
// target_cps and duration_s are shown but never judged.
//
// Verdict of one metric, with delta = (result - baseline) / |baseline| as a percentage:
//   regression  the change in the worse direction is beyond the tolerance (and beyond the absolute
//               tolerance, when one is given)
//   improved    the change in the better direction is beyond the tolerance
//   ok          anything within the tolerance
// Zero baselines: a percentage of zero means nothing, so the absolute difference decides: any
// worsening larger than the absolute tolerance (default 0) is a regression (0 failed calls -> 1 is
// one), any betterment beyond it an improvement.
// Missing figures (e.g. no setup samples at all): present in the baseline but not in the result is
// a regression ("missing"); missing from the baseline is "new"; missing from both "n/a".
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "report/metrics.hpp"

namespace sipstorm::report {

struct CompareOptions {
    double tolerance_pct = 5;          // relative tolerance, percent
    double abs_tolerance = 0;          // absolute tolerance, in the metric's unit
    std::vector<std::string> metrics;  // empty: default_compare_metrics()
};

enum class Verdict : uint8_t { kOk, kImproved, kRegression, kInfo, kMissing, kNew, kNotAvailable };
const char* verdict_text(Verdict v);

struct CompareRow {
    std::string metric;
    Better better = Better::kLower;
    bool have_baseline = false, have_result = false;
    double baseline = 0, result = 0;
    bool has_delta_pct = false;  // false for a zero baseline or a missing figure
    double delta_pct = 0;
    Verdict verdict = Verdict::kOk;
};

struct Comparison {
    std::vector<CompareRow> rows;
    bool regression = false;            // some row is a regression or missing
    std::vector<std::string> warnings;  // e.g. a saturated generator, different scenarios
};

const std::vector<std::string>& default_compare_metrics();

// "5%", "5" (both percent) or "0.5%". False with an error on anything else or a negative value.
bool parse_tolerance(std::string_view text, double& pct, std::string& error);

// False with an error ("--metric 'TEXT': column N: ...") when a metric does not parse.
bool compare_results(const nlohmann::json& baseline, const nlohmann::json& result, const CompareOptions& opt,
                     Comparison& out, std::string& error);

// metric | baseline | result | delta | verdict, then the warnings and a closing line.
std::string comparison_table(const Comparison& c, const CompareOptions& opt);

}  // namespace sipstorm::report
