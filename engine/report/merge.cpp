#include "report/merge.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>

#include "stats/snapshot.hpp"

namespace sipstorm::report {
namespace {

using nlohmann::json;

std::string base_name(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Adds the numbers of `more` into `acc`, through nested objects (counts by reason, by method ...).
void add_numbers(json& acc, const json& more) {
    if (!acc.is_object()) acc = json::object();
    for (auto it = more.begin(); it != more.end(); ++it) {
        const json& v = it.value();
        json& a = acc[it.key()];
        if (v.is_object()) {
            add_numbers(a, v);
        } else if (v.is_number_integer()) {
            a = (a.is_number_integer() ? a.get<uint64_t>() : 0) + v.get<uint64_t>();
        } else if (v.is_number()) {
            a = (a.is_number() ? a.get<double>() : 0.0) + v.get<double>();
        } else if (a.is_null()) {
            a = v;
        }
    }
}

// One input, as the merge sees it.
struct Node {
    const MergeInput* in = nullptr;
    bool sharded = false;
    int64_t index = 0, total = 0;  // shard_of
    uint64_t start_ms = 0;
    double duration_s = 0, load_s = 0;
    unsigned shards = 1;
    std::string label;  // "node 1/2 (b.json)"
};

// One second of the merged series while it is being put together.
struct Bin {
    json row = json::object();
    double end_s = 0;  // the latest end of a contributing row, since the merged start
    double p50_sum = 0, p50_weight = 0, busy_sum = 0, busy_weight = 0;
};

// Adds a row (or a bin) into a bin. Within one node two rows of the same merged second follow each
// other in time (a level such as `concurrent` keeps the later); across nodes levels add.
void combine(Bin& acc, const json& row, double end_s, double p50_sum, double p50_weight, double busy_sum,
             double busy_weight, bool same_node) {
    for (auto it = row.begin(); it != row.end(); ++it) {
        const std::string& k = it.key();
        const json& v = it.value();
        if (k == "t" || k == "interval_s" || k == "cps" || k == "setup_p50_ms" || k == "busy_share") continue;
        json& a = acc.row[k];
        if (k == "concurrent" && same_node) {
            if (end_s >= acc.end_s) a = v;
        } else if (k == "lag_max_ms" || k == "setup_max_ms" || k == "setup_p99_ms") {
            a = std::max(a.is_number() ? a.get<double>() : 0.0, v.get<double>());
        } else if (v.is_object()) {
            add_numbers(a, v);
        } else if (v.is_number_integer()) {
            a = (a.is_number_integer() ? a.get<uint64_t>() : 0) + v.get<uint64_t>();
        } else if (v.is_number()) {
            a = (a.is_number() ? a.get<double>() : 0.0) + v.get<double>();
        }
    }
    acc.end_s = std::max(acc.end_s, end_s);
    acc.p50_sum += p50_sum;
    acc.p50_weight += p50_weight;
    acc.busy_sum += busy_sum;
    acc.busy_weight += busy_weight;
}

json merge_series(const std::vector<Node>& nodes, uint64_t start_ms) {
    std::map<long, Bin> bins;
    for (const Node& n : nodes) {
        std::map<long, Bin> own;
        const double offset_s = static_cast<double>(n.start_ms - start_ms) / 1000.0;
        for (const json& row : n.in->result.value("series", json::array())) {
            const double end_s = offset_s + row.value("t", 0.0);
            // The merged second the row ended in (a row ending on a boundary belongs to the second before).
            const long k = std::max(1L, static_cast<long>(std::ceil(end_s - 1e-6)));
            const double setups = static_cast<double>(row.value("setup_count", uint64_t{0}));
            const double weight = row.value("interval_s", 1.0) * n.shards;
            combine(own[k], row, end_s, row.value("setup_p50_ms", 0.0) * setups, setups,
                    row.value("busy_share", 0.0) * weight, weight, true);
        }
        for (const auto& [k, b] : own)
            combine(bins[k], b.row, b.end_s, b.p50_sum, b.p50_weight, b.busy_sum, b.busy_weight, false);
    }
    json rows = json::array();
    for (auto& [k, b] : bins) {
        const double t = std::min(static_cast<double>(k), b.end_s);
        const double interval = t > static_cast<double>(k - 1) ? t - static_cast<double>(k - 1) : 1.0;
        json& r = b.row;
        r["t"] = t;
        r["interval_s"] = interval;
        r["cps"] = static_cast<double>(r.value("attempted", uint64_t{0})) / interval;
        r["setup_p50_ms"] = b.p50_weight > 0 ? b.p50_sum / b.p50_weight : 0.0;
        r["busy_share"] = b.busy_weight > 0 ? b.busy_sum / b.busy_weight : 0.0;
        rows.push_back(std::move(r));
    }
    return rows;
}

// Generator health per node: the merge is saturated when any node was, and says which.
json merge_generator(const std::vector<Node>& nodes) {
    json out_nodes = json::array(), busy = json::array(), lag_by_shard = json::array();
    bool saturated = false;
    std::string reason;
    double lag_max = 0;
    uint64_t rx_drops = 0, tx_errors = 0;
    for (const Node& n : nodes) {
        const json& g = n.in->result.at("generator");
        for (const json& b : g.value("busy_share", json::array())) busy.push_back(b);
        for (const json& l : g.value("lag_ms_max_by_shard", json::array())) lag_by_shard.push_back(l);
        lag_max = std::max(lag_max, g.value("lag_ms_max", 0.0));
        rx_drops += g.value("rx_drops", uint64_t{0});
        tx_errors += g.value("tx_errors", uint64_t{0});
        if (g.value("saturated", false)) {
            saturated = true;
            if (!reason.empty()) reason += "; ";
            // A merged input names its own nodes already.
            reason += g.contains("nodes") ? g.value("saturation_reason", std::string())
                                          : n.label + ": " + g.value("saturation_reason", std::string());
        }
        if (g.contains("nodes")) {
            for (const json& inner : g["nodes"]) out_nodes.push_back(inner);
            continue;
        }
        json node = {{"file", n.in->name},
                     {"shard_of", n.sharded ? json{{"index", n.index}, {"total", n.total}} : json(nullptr)},
                     {"saturated", g.value("saturated", false)},
                     {"saturation_reason", g.value("saturation_reason", std::string())},
                     {"lag_ms_max", g.value("lag_ms_max", 0.0)},
                     {"busy_share", g.value("busy_share", json::array())},
                     {"rx_drops", g.value("rx_drops", uint64_t{0})},
                     {"tx_errors", g.value("tx_errors", uint64_t{0})},
                     {"shards", n.shards}};
        out_nodes.push_back(std::move(node));
    }
    json limits = nodes.front().in->result.at("generator").value("limits", json::object());
    return {{"lag_ms_max", lag_max},         {"lag_ms_max_by_shard", std::move(lag_by_shard)},
            {"busy_share", std::move(busy)}, {"rx_drops", rx_drops},
            {"tx_errors", tx_errors},        {"saturated", saturated},
            {"saturation_reason", reason},   {"limits", std::move(limits)},
            {"nodes", std::move(out_nodes)}};
}

// The checks that make a merge meaningful; false with the reason.
bool check_inputs(std::span<const MergeInput> inputs, std::vector<Node>& nodes, MergeOutput& out,
                  std::string& error) {
    if (inputs.empty()) {
        error = "nothing to merge";
        return false;
    }
    const MergeInput& first = inputs.front();
    std::set<int64_t> seen;
    for (const MergeInput& in : inputs) {
        const json& r = in.result;
        if (!r.is_object() || !r.contains("calls") || !r.contains("histograms") || !r.contains("generator")) {
            error = "'" + in.name + "' is not a sipstorm result file (no calls, histograms or generator)";
            return false;
        }
        const int version = r.value("schema_version", 1);
        if (version > stats::kResultSchemaVersion) {
            error = "'" + in.name + "' has schema_version " + std::to_string(version) +
                    ", newer than this sipstorm knows (" + std::to_string(stats::kResultSchemaVersion) + ")";
            return false;
        }
        if (const int v0 = first.result.value("schema_version", 1); version != v0) {
            error = "'" + in.name + "' has schema_version " + std::to_string(version) + " but '" +
                    first.name + "' has " + std::to_string(v0) +
                    ": results of different schema versions can't be merged";
            return false;
        }
        const std::string scenario = base_name(r.value("scenario", std::string()));
        const std::string scenario0 = base_name(first.result.value("scenario", std::string()));
        if (scenario != scenario0) {
            error = "'" + in.name + "' is a result of scenario " + scenario + " but '" + first.name +
                    "' of " + scenario0 + ": results of different scenarios can't be merged";
            return false;
        }
        Node n;
        n.in = &in;
        n.start_ms = r.value("started_unix_ms", uint64_t{0});
        n.duration_s = r.value("duration_s", 0.0);
        n.load_s = r.contains("rate") ? r["rate"].value("load_duration_s", n.duration_s) : n.duration_s;
        n.shards = std::max(1u, r.value("shards", 1u));
        if (r.contains("shard_of")) {
            n.sharded = true;
            n.index = r["shard_of"].at("index").get<int64_t>();
            n.total = r["shard_of"].at("total").get<int64_t>();
        }
        if (n.sharded != first.result.contains("shard_of")) {
            const MergeInput& with = n.sharded ? in : first;
            const MergeInput& without = n.sharded ? first : in;
            error = "'" + with.name + "' is one shard of a run (shard_of) but '" + without.name +
                    "' is not: merge the shards of one run, or whole runs";
            return false;
        }
        if (n.sharded) {
            const int64_t total0 = first.result["shard_of"].at("total").get<int64_t>();
            if (n.total != total0) {
                error = "'" + in.name + "' is shard " + std::to_string(n.index) + "/" +
                        std::to_string(n.total) + " but '" + first.name + "' is of " +
                        std::to_string(total0) + " shards: these are not shards of one run";
                return false;
            }
            if (!seen.insert(n.index).second) {
                error = "shard " + std::to_string(n.index) + "/" + std::to_string(n.total) +
                        " comes twice (again in '" + in.name + "')";
                return false;
            }
            n.label =
                "node " + std::to_string(n.index) + "/" + std::to_string(n.total) + " (" + in.name + ")";
        } else {
            n.label = "node " + std::to_string(nodes.size()) + " (" + in.name + ")";
        }
        nodes.push_back(std::move(n));
    }
    if (nodes.front().sharded) {
        std::string missing;
        for (int64_t i = 0; i < nodes.front().total; ++i)
            if (!seen.count(i)) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
        if (!missing.empty())
            out.warnings.push_back("shards missing from the merge: " + missing + " of " +
                                   std::to_string(nodes.front().total));
    }
    return true;
}

}  // namespace

bool merge_results(std::span<const MergeInput> inputs, const stats::RunInfo& info, MergeOutput& out,
                   std::string& error) {
    out = MergeOutput();
    std::vector<Node> nodes;
    if (!check_inputs(inputs, nodes, out, error)) return false;

    const MergeInput* current = nullptr;
    try {
        auto total = std::make_unique<stats::Snapshot>();
        auto part = std::make_unique<stats::Snapshot>();
        uint64_t start_ms = UINT64_MAX;
        double end_s = 0, load_end_s = 0, target_cps = 0;
        std::set<std::string> targets;
        for (const Node& n : nodes) start_ms = std::min(start_ms, n.start_ms);
        json details = json::object(), dpdk;
        bool interrupted = false;
        unsigned shards = 0;
        for (const Node& n : nodes) {
            current = n.in;
            const json& r = n.in->result;
            stats::snapshot_from_result(r, info, *part);
            stats::merge_into(*total, *part);
            const double offset_s = static_cast<double>(n.start_ms - start_ms) / 1000.0;
            end_s = std::max(end_s, offset_s + n.duration_s);
            load_end_s = std::max(load_end_s, offset_s + n.load_s);
            if (r.contains("rate")) target_cps += r["rate"].value("target", 0.0);
            targets.insert(r.value("target", std::string()));
            add_numbers(details, r["calls"].value("failed_by_detail", json::object()));
            interrupted = interrupted || r.value("interrupted", false);
            shards += n.shards;
            if (r.contains("dpdk")) {
                json counts = r["dpdk"];
                counts.erase("warnings");
                add_numbers(dpdk, counts);
                for (const json& w : r["dpdk"].value("warnings", json::array())) {
                    json named = w;
                    named["node"] = n.label;
                    dpdk["warnings"].push_back(std::move(named));
                }
            }
        }
        current = nullptr;

        stats::RunInfo run = info;
        run.scenario = nodes.front().in->result.value("scenario", std::string());
        run.target.clear();
        for (const std::string& t : targets) run.target += (run.target.empty() ? "" : ", ") + t;
        run.started_unix_ms = start_ms;
        run.duration_s = end_s;
        run.rate_target_cps = target_cps;
        json result = stats::make_result(run, *total, {}, {});

        const double attempted = static_cast<double>(total->counts.calls_attempted);
        result["rate"]["load_duration_s"] = load_end_s;
        result["rate"]["achieved"] = load_end_s > 0 ? attempted / load_end_s : 0.0;
        result["calls"]["failed_by_detail"] = std::move(details);
        result["interrupted"] = interrupted;
        result["shards"] = shards;
        result["series"] = merge_series(nodes, start_ms);
        result["generator"] = merge_generator(nodes);
        if (!dpdk.is_null()) result["dpdk"] = std::move(dpdk);

        json from = json::array();
        for (const Node& n : nodes) {
            const json& r = n.in->result;
            from.push_back(
                {{"file", n.in->name},
                 {"shard_of", n.sharded ? json{{"index", n.index}, {"total", n.total}} : json(nullptr)},
                 {"started_unix_ms", n.start_ms},
                 {"duration_s", n.duration_s},
                 {"attempted", r["calls"].value("attempted", uint64_t{0})},
                 {"command_line", r.value("command_line", std::string())}});
        }
        result["merge"] = {{"inputs", std::move(from)},
                           {"shards_total", nodes.front().sharded ? nodes.front().total : 0},
                           {"warnings", out.warnings}};
        out.result = std::move(result);
    } catch (const std::exception& e) {
        error =
            (current ? "'" + current->name + "': " : std::string()) + "malformed result file: " + e.what();
        return false;
    }
    return true;
}

}  // namespace sipstorm::report
