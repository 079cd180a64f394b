#include "report/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "report/expr.hpp"
#include "report/format.hpp"

namespace sipstorm::report {
namespace {

Better direction(const Expr& e) {
    // Nodes are stored in parse order of completion, and a metric is a leaf: the first metric
    // node is the leftmost metric of the expression (the numerator of a ratio).
    for (const Node& n : e.nodes)
        if (n.op == Node::Op::kMetric) return n.metric.better;
    return Better::kNeither;
}

Verdict judge(CompareRow& row, const CompareOptions& opt) {
    if (!row.have_baseline && !row.have_result) return Verdict::kNotAvailable;
    if (!row.have_result) return row.better == Better::kNeither ? Verdict::kInfo : Verdict::kMissing;
    if (!row.have_baseline) return Verdict::kNew;
    const double diff = row.result - row.baseline;
    if (row.baseline != 0) {
        row.has_delta_pct = true;
        row.delta_pct = diff / std::fabs(row.baseline) * 100.0;
    }
    if (row.better == Better::kNeither) return Verdict::kInfo;
    const double worse = row.better == Better::kLower ? diff : -diff;  // > 0: worse
    if (std::fabs(diff) <= opt.abs_tolerance) return Verdict::kOk;
    if (row.baseline == 0) return worse > 0 ? Verdict::kRegression : Verdict::kImproved;
    const double worse_pct = worse / std::fabs(row.baseline) * 100.0;
    if (worse_pct > opt.tolerance_pct) return Verdict::kRegression;
    if (worse_pct < -opt.tolerance_pct) return Verdict::kImproved;
    return Verdict::kOk;
}

std::string string_at(const nlohmann::json& j, const char* key) {
    auto it = j.is_object() ? j.find(key) : j.end();
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool saturated(const nlohmann::json& j) {
    if (!j.is_object() || !j.contains("generator") || !j["generator"].is_object()) return false;
    const nlohmann::json& g = j["generator"];
    return g.contains("saturated") && g["saturated"].is_boolean() && g["saturated"].get<bool>();
}

void add_warnings(const nlohmann::json& baseline, const nlohmann::json& result, Comparison& out) {
    for (const auto& [name, j] : {std::pair{"baseline", &baseline}, std::pair{"result", &result}}) {
        if (saturated(*j))
            out.warnings.push_back(
                std::string("the ") + name +
                "'s generator was saturated: its figures may show sipstorm's limits, not the "
                "target's (" +
                string_at((*j)["generator"], "saturation_reason") + ")");
        auto v = j->is_object() ? j->find("schema_version") : j->end();
        if (v != j->end() && v->is_number_integer() && v->get<int>() > 1)
            out.warnings.push_back(std::string("the ") + name + " has result schema version " +
                                   std::to_string(v->get<int>()) + "; this sipstorm knows version 1");
    }
    std::string a = string_at(baseline, "scenario"), b = string_at(result, "scenario");
    if (a != b) out.warnings.push_back("different scenarios: baseline '" + a + "', result '" + b + "'");
}

std::string pad(std::string s, size_t width, bool right) {
    if (s.size() >= width) return s;
    return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

}  // namespace

const char* verdict_text(Verdict v) {
    switch (v) {
        case Verdict::kOk:
            return "ok";
        case Verdict::kImproved:
            return "improved";
        case Verdict::kRegression:
            return "REGRESSION";
        case Verdict::kInfo:
            return "-";
        case Verdict::kMissing:
            return "REGRESSION (missing)";
        case Verdict::kNew:
            return "new";
        case Verdict::kNotAvailable:
            return "n/a";
    }
    return "";
}

const std::vector<std::string>& default_compare_metrics() {
    static const std::vector<std::string> kDefault = {"achieved_cps",  "failed_calls",  "retransmissions",
                                                      "p50(setup_ms)", "p99(setup_ms)", "p99(call_ms)"};
    return kDefault;
}

bool parse_tolerance(std::string_view text, double& pct, std::string& error) {
    std::string t(text);
    if (!t.empty() && t.back() == '%') t.pop_back();
    char* end = nullptr;
    double v = t.empty() ? 0 : std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size() || !std::isfinite(v) || v < 0) {
        error = "'" + std::string(text) + "' is not a tolerance: write a percentage such as 5% or 0.5%";
        return false;
    }
    pct = v;
    return true;
}

bool compare_results(const nlohmann::json& baseline, const nlohmann::json& result, const CompareOptions& opt,
                     Comparison& out, std::string& error) {
    out = Comparison();
    const std::vector<std::string>& metrics = opt.metrics.empty() ? default_compare_metrics() : opt.metrics;
    for (const std::string& m : metrics) {
        Expr e;
        std::string err;
        if (!parse_expr(m, ExprType::kValue, e, err)) {
            error = "--metric '" + m + "': " + err;
            return false;
        }
        CompareRow row;
        row.metric = e.text;
        row.better = direction(e);
        std::string why;
        row.baseline = eval_value(e, e.root, baseline, why);
        row.result = eval_value(e, e.root, result, why);
        row.have_baseline = !std::isnan(row.baseline);
        row.have_result = !std::isnan(row.result);
        row.verdict = judge(row, opt);
        out.regression |= row.verdict == Verdict::kRegression || row.verdict == Verdict::kMissing;
        out.rows.push_back(std::move(row));
    }
    add_warnings(baseline, result, out);
    return true;
}

std::string comparison_table(const Comparison& c, const CompareOptions& opt) {
    std::vector<std::array<std::string, 5>> cells;
    cells.push_back({"metric", "baseline", "result", "delta", "verdict"});
    for (const CompareRow& r : c.rows) {
        std::string delta;
        if (r.has_delta_pct) {
            double shown = std::round(r.delta_pct * 10) / 10;  // so that +0.04% reads "0%", not "+0%"
            delta = (shown > 0 ? "+" : "") + format_number(shown == 0 ? 0.0 : shown) + "%";
        } else if (r.have_baseline && r.have_result) {
            double diff = r.result - r.baseline;
            delta = (diff > 0 ? "+" : "") + format_number(diff) + " (abs)";
        }
        cells.push_back({r.metric, r.have_baseline ? format_number(r.baseline) : "-",
                         r.have_result ? format_number(r.result) : "-", delta, verdict_text(r.verdict)});
    }
    std::array<size_t, 5> width{};
    for (const auto& row : cells)
        for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    std::string s;
    for (const auto& row : cells) {
        s += pad(row[0], width[0], false);
        for (size_t i = 1; i < 4; ++i) s += "  " + pad(row[i], width[i], true);
        s += "  " + row[4] + "\n";
    }
    for (const std::string& w : c.warnings) s += "warning: " + w + "\n";
    size_t regressions =
        static_cast<size_t>(std::count_if(c.rows.begin(), c.rows.end(), [](const CompareRow& r) {
            return r.verdict == Verdict::kRegression || r.verdict == Verdict::kMissing;
        }));
    std::string tol = format_number(opt.tolerance_pct) + "%" +
                      (opt.abs_tolerance > 0 ? " or " + format_number(opt.abs_tolerance) + " absolute" : "");
    s += regressions ? std::to_string(regressions) + " regression(s) beyond the tolerance (" + tol + ")\n"
                     : "no regression beyond the tolerance (" + tol + ")\n";
    return s;
}

}  // namespace sipstorm::report
