#include "report/csv.hpp"

#include <cmath>
#include <cstdio>
#include <set>
#include <string_view>
#include <vector>

#include "stats/counters.hpp"

namespace sipstorm::report {
namespace {

using nlohmann::json;

constexpr std::string_view kFixed[] = {
    "t",           "interval_s",   "attempted",       "succeeded",    "failed",
    "cps",         "concurrent",   "retransmissions", "unexpected",   "parse_errors",
    "setup_count", "setup_p50_ms", "setup_p99_ms",    "setup_max_ms", "lag_max_ms",
    "busy_share",  "rx_drops",     "tx_errors",       "connections",  "connections_opened"};
constexpr std::string_view kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "6xx"};

std::string cell(const json* v) {
    if (!v || !v->is_number()) {
        if (v && v->is_boolean()) return v->get<bool>() ? "1" : "0";
        return {};
    }
    if (v->is_number_integer()) return v->dump();
    double d = v->get<double>();
    char buf[32];
    std::snprintf(buf, sizeof buf, d == std::trunc(d) && std::fabs(d) < 1e15 ? "%.0f" : "%.6g", d);
    return buf;
}

const json* child(const json* j, std::string_view key) {
    if (!j || !j->is_object()) return nullptr;
    auto it = j->find(key);
    return it == j->end() ? nullptr : &*it;
}

const json* messages(const json& row, const char* dir, const char* kind) {
    return child(child(child(&row, "messages"), dir), kind);
}

}  // namespace

std::string series_csv(const json& result) {
    static const json kEmpty = json::array();
    const json* series = child(&result, "series");
    const json& rows = series && series->is_array() ? *series : kEmpty;

    // The methods seen anywhere in the run, so that every row has the same columns.
    std::set<std::string> methods_in, methods_out;
    bool have_messages = false;
    for (const json& row : rows) {
        have_messages |= child(&row, "messages") != nullptr;
        for (auto [dir, set] : {std::pair{"in", &methods_in}, std::pair{"out", &methods_out}})
            if (const json* m = messages(row, dir, "requests"); m && m->is_object())
                for (const auto& [k, v] : m->items()) set->insert(k);
    }

    std::string out;
    auto header = [&](std::string_view name) {
        if (!out.empty()) out += ',';
        out += name;
    };
    for (std::string_view c : kFixed) header(c);
    for (std::string_view r : stats::kFailReasonNames) header("failed_" + std::string(r));
    if (have_messages)
        for (auto [dir, set] : {std::pair{"in", &methods_in}, std::pair{"out", &methods_out}}) {
            for (const std::string& m : *set) header(std::string(dir) + "_" + m);
            for (std::string_view c : kClasses) header(std::string(dir) + "_" + std::string(c));
        }
    out += '\n';

    for (const json& row : rows) {
        std::vector<std::string> cells;
        for (std::string_view c : kFixed) cells.push_back(cell(child(&row, c)));
        for (std::string_view r : stats::kFailReasonNames)
            cells.push_back(cell(child(child(&row, "failed_by_reason"), r)));
        if (have_messages) {
            const bool has = child(&row, "messages") != nullptr;
            // Counts of zero are left out of the result's objects: a missing method is 0 when the row
            // has messages at all, unknown (empty) when it has none.
            auto count = [&](const json* v) { return v ? cell(v) : has ? "0" : ""; };
            for (auto [dir, set] : {std::pair{"in", &methods_in}, std::pair{"out", &methods_out}}) {
                for (const std::string& m : *set)
                    cells.push_back(count(child(messages(row, dir, "requests"), m)));
                for (std::string_view c : kClasses)
                    cells.push_back(count(child(messages(row, dir, "responses"), c)));
            }
        }
        for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + cells[i];
        out += '\n';
    }
    return out;
}

}  // namespace sipstorm::report
