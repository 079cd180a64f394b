// Gates: conditions a run must meet, e.g. for CI (`--gate 'p99(setup_ms) < 50'`). A gate is a
// condition of the expression language in report/expr.hpp over the metrics in report/metrics.hpp:
//
//   failed_calls == 0
//   p99(setup_ms) < 50 and p50(response_ms.INVITE) < 5
//   achieved_cps >= 0.99 * target_cps
//   failed(timeout) + failed(5xx) <= 0.001 * attempted_calls
//
// A gate whose figures are missing from the result (no samples of a latency, a division by zero)
// fails: it could not be shown to hold.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "report/expr.hpp"

namespace sipstorm::report {

struct Gate {
    Expr expr;  // a condition; expr.text is the gate as written
};

struct GateResult {
    bool pass = false;
    // The two sides of the comparison that decided the verdict: the only one, or in an and/or the
    // first that failed an `and` (the last one when all held), the first that held an `or` (the last
    // one when none did). NaN when a figure is missing.
    double lhs = 0, rhs = 0;
    std::string text;         // the gate as written
    std::string explanation;  // every comparison with its figures, e.g. "p99(setup_ms) = 73.2, not < 50"
};

// On error returns false with "column N: what" (see parse_expr).
bool parse_gate(std::string_view text, Gate& out, std::string& error);

// Several gates (from --gate options or a scenario's `gates = {...}`). On the first bad one returns
// false with "gate 'TEXT': column N: what".
bool parse_gates(const std::vector<std::string>& texts, std::vector<Gate>& out, std::string& error);

GateResult evaluate(const Gate& gate, const nlohmann::json& result);
std::vector<GateResult> evaluate_all(const std::vector<Gate>& gates, const nlohmann::json& result);

// result["gates"] = [{"expr", "pass", "value", "threshold", "explanation"}, ...]; value and
// threshold are the deciding comparison's sides (null when missing).
void add_gate_verdicts(nlohmann::json& result, const std::vector<GateResult>& results);

// The verdicts as a table for the terminal, ending with a line saying how many gates held.
// Empty when there are no gates.
std::string verdict_table(const std::vector<GateResult>& results);

}  // namespace sipstorm::report
