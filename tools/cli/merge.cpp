// sipstorm merge: the result files of the shards of one run (run --shard-of I/N on several machines)
// into the result file of the whole (report/merge.hpp), with gates evaluated on the merge.
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <sstream>

#include "load.hpp"
#include "outputs.hpp"
#include "report/file.hpp"
#include "report/merge.hpp"
#include "sip/method.hpp"

namespace sipstorm::cli {

namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "Usage: sipstorm merge A.json B.json ... -o TOTAL.json [--gate EXPR]...\n\n"
    "Merges the result files of the shards of one run ('sipstorm run --shard-of I/N --out ...' on each\n"
    "machine) into the result file one run of the whole would have written: counters add, histograms\n"
    "add bucket by bucket (every percentile of the merge is exact), the per-second series is aligned by\n"
    "wall-clock second, and generator health stays per node (any saturated node makes the merge\n"
    "saturated, named). Results of different scenarios or schema versions, or the same shard twice,\n"
    "are refused. Gates (--gate, and --csv/--junit) are evaluated on the merge.\n"
    "Exit code: 0 when no call failed (with gates: all held), 1 when some failed, 4 when a gate failed,\n"
    "2 on a usage or input error.";

}  // namespace

int cmd_merge(const Args& args) {
    std::vector<std::string> files;
    std::string out;
    OutputOptions outputs;
    po::options_description d("Options");
    d.add_options()("out,o", po::value(&out), "write the merged result file here (required)")("help,h",
                                                                                              "this help");
    add_output_options(d, outputs);
    po::variables_map vm;
    if (!parse_file_command(args, d, kUsage, -1, files, vm)) return 0;
    if (files.empty()) throw UsageError("expects result files to merge (see --help)");
    if (out.empty()) throw UsageError("-o TOTAL.json is required");
    std::vector<report::Gate> gates = parse_gates_or_throw(outputs);

    std::vector<report::MergeInput> inputs;
    for (const std::string& f : files) inputs.push_back({f, read_result(f)});
    stats::RunInfo info;
    info.tool_version = SIPSTORM_VERSION;
    info.command_line = command_line_of("merge", args);
    for (size_t i = 1; i < static_cast<size_t>(sip::Method::kCount); ++i)
        info.method_names[i] = std::string(sip::method_text(static_cast<sip::Method>(i)));
    // The scenario's own counters and timers, by name (inputs of one scenario have the same).
    const nlohmann::json& first = inputs[0].result;
    if (auto it = first.find("counters"); it != first.end() && it->is_object())
        for (auto c = it->begin(); c != it->end(); ++c) info.counter_names.push_back(c.key());
    if (auto l = first.find("latency_ms"); l != first.end() && l->contains("timers"))
        for (auto t = (*l)["timers"].begin(); t != (*l)["timers"].end(); ++t)
            info.timer_names.push_back(t.key());
    report::MergeOutput merged;
    std::string error;
    if (!report::merge_results(inputs, info, merged, error)) throw UsageError(error);
    for (const std::string& w : merged.warnings) fmt::print(stderr, "sipstorm merge: warning: {}\n", w);

    nlohmann::json& r = merged.result;
    const nlohmann::json& calls = r["calls"];
    const uint64_t failed = calls["failed"].get<uint64_t>();
    fmt::print("== merge of {} result file(s): {} ==\n", files.size(), r["scenario"].get<std::string>());
    fmt::print("calls: {} attempted, {} succeeded, {} failed in {:.2f} s ({:.1f} calls/s, target {:.0f})\n",
               calls["attempted"].get<uint64_t>(), calls["succeeded"].get<uint64_t>(), failed,
               r["duration_s"].get<double>(), r["rate"]["achieved"].get<double>(),
               r["rate"]["target"].get<double>());
    fmt::print("retransmissions: {}\n", r["retransmissions"]["total"].get<uint64_t>());
    if (const auto& s = r["latency_ms"]["setup"]; s["count"].get<uint64_t>())
        fmt::print("setup time (ms): p50 {:.3f}  p90 {:.3f}  p99 {:.3f}  max {:.3f}\n",
                   s["p50"].get<double>(), s["p90"].get<double>(), s["p99"].get<double>(),
                   s["max"].get<double>());
    const auto& gen = r["generator"];
    if (gen["saturated"].get<bool>())
        fmt::print(
            "WARNING: the generator itself was saturated ({}): the figures above may show its limits, "
            "not the target's.\n",
            gen["saturation_reason"].get<std::string>());
    const int code = finish_outputs(r, outputs, gates, failed == 0 ? 0 : 1);
    if (!report::write_file(out, r.dump(2) + "\n", error)) throw std::runtime_error(error);
    fmt::print("merged result written to {}\n", out);
    return code;
}

}  // namespace sipstorm::cli
