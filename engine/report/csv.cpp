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
// The series rows' media object (RTP), as media_<key> columns when any row has one.
constexpr std::string_view kMedia[] = {"live", "packets_in", "packets_out",  "streams_ended", "lost",
                                       "expected", "late_packets", "jitter_p99_ms", "mos_p5"};

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
    bool have_messages = false, have_media = false;
    for (const json& row : rows) {
        have_messages |= child(&row, "messages") != nullptr;
        if (const json* m = child(&row, "media"))
            have_media |= cell(child(m, "packets_in")) != "0" || cell(child(m, "packets_out")) != "0" ||
                          cell(child(m, "live")) != "0";
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
    if (have_media)
        for (std::string_view c : kMedia) header("media_" + std::string(c));
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
        if (have_media)
            for (std::string_view c : kMedia) cells.push_back(cell(child(child(&row, "media"), c)));
        for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + cells[i];
        out += '\n';
    }
    return out;
}

}  // namespace sipstorm::report
