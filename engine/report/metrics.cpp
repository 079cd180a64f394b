#include "report/metrics.hpp"

#include <algorithm>
#include <array>
#include <span>

#include "stats/counters.hpp"
#include "stats/histogram.hpp"

namespace sipstorm::report {
namespace {

using nlohmann::json;

struct Scalar {
    std::string_view name;
    std::array<const char*, 2> path;  // keys from the result's root; nullptr ends it early
    Better better;
};

// clang-format off
const std::array<Scalar, 19> kScalars = {{
    {"failed_calls",       {"calls", "failed"},                Better::kLower},
    {"succeeded_calls",    {"calls", "succeeded"},             Better::kHigher},
    {"attempted_calls",    {"calls", "attempted"},             Better::kHigher},
    {"achieved_cps",       {"rate", "achieved"},               Better::kHigher},
    {"target_cps",         {"rate", "target"},                 Better::kNeither},
    {"retransmissions",    {"retransmissions", "total"},       Better::kLower},
    {"duration_s",         {"duration_s", nullptr},            Better::kNeither},
    {"unexpected",         {"messages", "unexpected"},         Better::kLower},
    {"parse_errors",       {"messages", "parse_errors"},       Better::kLower},
    {"lag_ms_max",         {"generator", "lag_ms_max"},        Better::kLower},
    {"timer_late_ms_p99",  {"generator", "timer_late_ms_p99"}, Better::kLower},
    {"timer_late_ms_max",  {"generator", "timer_late_ms_max"}, Better::kLower},
    {"rx_drops",           {"generator", "rx_drops"},          Better::kLower},
    {"tx_errors",          {"generator", "tx_errors"},         Better::kLower},
    {"saturated",          {"generator", "saturated"},         Better::kLower},
    {"media.loss_pct",     {"media", "loss_pct"},              Better::kLower},
    {"media.no_rtp_calls", {"media", "no_rtp_calls"},          Better::kLower},
    {"media.late_packets", {"media", "late_packets"},          Better::kLower},
    {"media.streams",      {"media", "streams"},               Better::kNeither},
}};
// clang-format on

constexpr std::array<std::string_view, 9> kStats = {"p1",  "p5",   "p10", "p50", "p90",
                                                    "p99", "p999", "max", "mean"};
constexpr std::array<double, 7> kPercentiles = {1, 5, 10, 50, 90, 99, 99.9};  // for kStats[0..6]

// The distributions: the gate's name, where the result summarises it (keys from the root) and the
// histogram's key under "histograms". Values are stored in thousandths of the gate's unit (us for
// ms, milli-MOS for the MOS), so every one converts the same way.
struct DistSpec {
    std::string_view name;
    std::array<const char*, 2> summary;
    const char* hist;
};
// clang-format off
constexpr std::array<DistSpec, 10> kDists = {{
    {"setup_ms",           {"latency_ms", "setup"},     "setup_us"},
    {"call_ms",            {"latency_ms", "call"},      "call_us"},
    {"response_ms",        {"latency_ms", "response"},  "response_us"},  // .METHOD below both
    {"connect_ms",         {"latency_ms", "connect"},   "connect_us"},
    {"handshake_ms",       {"latency_ms", "handshake"}, "handshake_us"},
    {"media.jitter_ms",    {"media", "jitter_ms"},      "media_jitter_us"},
    {"media.mos",          {"media", "mos"},            "media_mos_milli"},
    {"media.rtt_ms",       {"media", "rtt_ms"},         "media_rtt_us"},
    {"media.echo_rtt_ms",  {"media", "echo_rtt_ms"},    "media_echo_rtt_us"},
    {"media.send_late_ms", {"media", "send_late_ms"},   "media_send_late_us"},
}};
// clang-format on
enum Dist { kSetup, kCall, kResponse, kConnect, kHandshake };
constexpr std::string_view kResponsePrefix = "response_ms.";

std::string dist_names() {
    std::string s;
    for (const DistSpec& d : kDists)
        s += (s.empty() ? "" : ", ") + std::string(d.name) + (d.name == "response_ms" ? ".METHOD" : "");
    return s;
}

template <size_t N>
std::string join(const std::array<std::string_view, N>& names) {
    std::string s;
    for (std::string_view n : names) s += (s.empty() ? "" : ", ") + std::string(n);
    return s;
}

template <size_t N>
int find(const std::array<std::string_view, N>& names, std::string_view name) {
    auto it = std::find(names.begin(), names.end(), name);
    return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

// Levenshtein distance, for "did you mean": typos in CI files are the common case.
size_t distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

std::string suggestion(std::string_view name) {
    std::vector<std::string_view> all;
    for (const Scalar& s : kScalars) all.push_back(s.name);
    for (std::string_view s : kStats) all.push_back(s);
    all.insert(all.end(), {"failed", "retransmissions"});
    for (const DistSpec& d : kDists) all.push_back(d.name);
    std::string_view best;
    size_t best_d = 3;  // farther than 2 edits is no longer a typo
    for (std::string_view c : all) {
        size_t d = distance(name, c);
        if (d < best_d) best_d = d, best = c;
    }
    return best.empty() ? std::string() : " (did you mean '" + std::string(best) + "'?)";
}

// The value at root[path[0]][path[1]]..., or nullptr when some key is missing or not an object.
const json* at_path(const json& root, std::span<const char* const> path) {
    const json* j = &root;
    for (const char* key : path) {
        if (!key) break;
        if (!j->is_object()) return nullptr;
        auto it = j->find(key);
        if (it == j->end()) return nullptr;
        j = &*it;
    }
    return j;
}

bool number_at(const json* j, double& out) {
    if (!j) return false;
    if (j->is_boolean()) {
        out = j->get<bool>() ? 1 : 0;
        return true;
    }
    if (!j->is_number()) return false;
    out = j->get<double>();
    return true;
}

bool latency_value(const MetricRef& m, const json& result, double& out, std::string& why) {
    std::string_view stat = kStats[static_cast<size_t>(m.index)];
    const DistSpec& spec = kDists[static_cast<size_t>(m.dist)];
    std::string dist_name = m.dist == kResponse ? "response_ms." + m.arg : std::string(spec.name);
    const json* summary = m.dist == kResponse
                              ? at_path(result, std::array{spec.summary[0], spec.summary[1], m.arg.c_str()})
                              : at_path(result, spec.summary);
    const json* hist = m.dist == kResponse
                           ? at_path(result, std::array{"histograms", spec.hist, m.arg.c_str()})
                           : at_path(result, std::array{"histograms", spec.hist});
    double count = -1;
    // The summary is what the terminal showed; the histogram (e.g. of a merged result that lost its
    // summary) is the fallback. Both in the same units once converted: ms.
    if (summary && number_at(at_path(*summary, std::array{"count"}), count) && count == 0) {
        why = "no " + dist_name + " samples in the result";
        return false;
    }
    if (summary && number_at(at_path(*summary, std::array{std::string(stat).c_str()}), out)) return true;
    if (hist) {
        stats::Histogram h;
        try {
            h = hist->get<stats::Histogram>();
        } catch (const std::exception& e) {
            why = "the " + dist_name + " histogram is malformed: " + e.what();
            return false;
        }
        if (h.count() == 0) {
            why = "no " + dist_name + " samples in the result";
            return false;
        }
        auto us = static_cast<size_t>(m.index) < kPercentiles.size()
                      ? static_cast<double>(h.percentile(kPercentiles[static_cast<size_t>(m.index)]))
                  : stat == "max" ? static_cast<double>(h.max())
                                  : h.mean();
        out = us / 1000.0;
        return true;
    }
    why = "no " + dist_name + " in the result";
    if (m.dist == kResponse) {
        std::string have;
        if (const json* r = at_path(result, std::array{"latency_ms", "response"}); r && r->is_object())
            for (const auto& [k, v] : r->items()) have += (have.empty() ? "" : ", ") + k;
        why += " (methods with responses: " + (have.empty() ? std::string("none") : have) + ")";
    }
    return false;
}

}  // namespace

std::string known_metrics_text() {
    std::string s;
    for (const Scalar& sc : kScalars) s += std::string(sc.name) + ", ";
    s += "failed(REASON), retransmissions(KIND), STAT(DIST) with STAT one of " + join(kStats) +
         " and DIST one of " + dist_names();
    return s;
}

bool resolve_metric(std::string_view name, bool has_arg, std::string_view arg, MetricRef& out,
                    std::string& error) {
    out = MetricRef();
    for (size_t i = 0; i < kScalars.size(); ++i) {
        if (kScalars[i].name != name) continue;
        if (has_arg && name == "retransmissions") break;  // retransmissions(KIND), below
        if (has_arg) {
            error = "'" + std::string(name) + "' takes no argument";
            return false;
        }
        out.kind = MetricRef::Kind::kScalar;
        out.index = static_cast<int>(i);
        out.text = std::string(name);
        out.better = kScalars[i].better;
        return true;
    }
    if (name == "failed" || name == "retransmissions") {
        const bool failed = name == "failed";
        if (!has_arg) {
            error = failed ? "'failed' needs a reason, e.g. failed(timeout); for all failures: failed_calls"
                           : "'retransmissions' takes a kind or none";
            return false;
        }
        int i = failed ? find(stats::kFailReasonNames, arg) : find(stats::kRetransKindNames, arg);
        if (i < 0) {
            error = "unknown " + std::string(failed ? "failure reason" : "retransmission kind") + " '" +
                    std::string(arg) +
                    "' (known: " + (failed ? join(stats::kFailReasonNames) : join(stats::kRetransKindNames)) +
                    ")";
            return false;
        }
        out.kind = failed ? MetricRef::Kind::kFailedBy : MetricRef::Kind::kRetransBy;
        out.arg = std::string(arg);
        out.text = std::string(name) + "(" + out.arg + ")";
        out.better = Better::kLower;
        return true;
    }
    if (int stat = find(kStats, name); stat >= 0) {
        if (!has_arg) {
            error =
                "'" + std::string(name) + "' needs a distribution, e.g. " + std::string(name) + "(setup_ms)";
            return false;
        }
        out.kind = MetricRef::Kind::kLatency;
        out.index = stat;
        auto d = std::find_if(kDists.begin(), kDists.end(), [&](const DistSpec& x) { return x.name == arg; });
        if (d != kDists.end() && d->name != "response_ms") {
            out.dist = static_cast<int>(d - kDists.begin());
        } else if (arg.starts_with(kResponsePrefix) && arg.size() > kResponsePrefix.size()) {
            out.dist = kResponse;
            out.arg = std::string(arg.substr(kResponsePrefix.size()));
        } else if (arg == "response_ms" || arg == kResponsePrefix) {
            error = "response_ms needs a method, e.g. response_ms.INVITE";
            return false;
        } else {
            error = "unknown distribution '" + std::string(arg) + "' (known: " + dist_names() +
                    "; times in ms, the MOS from 1 to 4.5)";
            return false;
        }
        out.text = std::string(name) + "(" + std::string(arg) + ")";
        out.better = arg == "media.mos" ? Better::kHigher : Better::kLower;
        return true;
    }
    if (name == "setup_ms" || name == "call_ms" || name.starts_with("response_ms")) {
        error = "'" + std::string(name) + "' is a distribution: take a statistic of it, e.g. p99(" +
                std::string(name) + ") (statistics: " + join(kStats) + ")";
        return false;
    }
    error = "unknown " + std::string(has_arg ? "function" : "metric") + " '" + std::string(name) + "'" +
            suggestion(name) + "; known: " + known_metrics_text();
    return false;
}

bool metric_value(const MetricRef& m, const json& result, double& out, std::string& why) {
    switch (m.kind) {
        case MetricRef::Kind::kScalar:
            if (number_at(at_path(result, kScalars[static_cast<size_t>(m.index)].path), out)) return true;
            break;
        case MetricRef::Kind::kFailedBy:
            if (number_at(at_path(result, std::array{"calls", "failed_by_reason", m.arg.c_str()}), out))
                return true;
            break;
        case MetricRef::Kind::kRetransBy:
            if (number_at(at_path(result, std::array{"retransmissions", "by_type", m.arg.c_str()}), out))
                return true;
            break;
        case MetricRef::Kind::kLatency:
            return latency_value(m, result, out, why);
    }
    why = "no " + m.text + " in the result";
    return false;
}

}  // namespace sipstorm::report
