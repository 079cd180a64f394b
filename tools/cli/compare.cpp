// sipstorm compare: judges a result file against a baseline result file, metric by metric.
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <sstream>

#include "outputs.hpp"
#include "report/compare.hpp"
#include "report/metrics.hpp"

namespace sipstorm::cli {

namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "Usage: sipstorm compare BASELINE.json RESULT.json [--tolerance 5%] [--metric NAME]...\n\n"
    "Compares two result files (written by 'run --out') metric by metric and prints metric, baseline,\n"
    "result, delta and verdict. Latencies, failures and retransmissions are better lower, achieved_cps\n"
    "higher. A change for the worse beyond the tolerance is a regression; with a zero baseline the\n"
    "absolute difference decides (any worsening beyond --abs-tolerance, default 0, is a regression).\n"
    "Default metrics: achieved_cps, failed_calls, retransmissions, p50(setup_ms), p99(setup_ms),\n"
    "p99(call_ms). A --metric is any value expression of the gate language, e.g. 'p99(response_ms.INVITE)'.\n"
    "Exit code: 0 no regression, 3 some regression, 2 on a usage or input error.";

}  // namespace

int cmd_compare(const Args& args) {
    std::vector<std::string> files;
    std::string tolerance = "5%";
    report::CompareOptions opt;
    po::options_description d("Options");
    // clang-format off: one option a line reads better than the packed form
    d.add_options()("tolerance", po::value(&tolerance),
                    "relative change still counted as ok, e.g. 5% (default) or 0.5%")(
        "abs-tolerance", po::value(&opt.abs_tolerance),
        "absolute change still counted as ok, in the metric's unit (default 0); decides for zero baselines")(
        "metric", po::value(&opt.metrics)->composing(),
        "a metric to compare (repeatable); default: a standard set")("help,h", "this help");
    // clang-format on
    po::variables_map vm;
    if (!parse_file_command(args, d, kUsage, 2, files, vm)) return 0;
    if (files.size() != 2) throw UsageError("expects BASELINE.json and RESULT.json (see --help)");
    std::string error;
    if (!report::parse_tolerance(tolerance, opt.tolerance_pct, error))
        throw UsageError("--tolerance: " + error);
    if (opt.abs_tolerance < 0) throw UsageError("--abs-tolerance must be >= 0");

    nlohmann::json baseline = read_result(files[0]);
    nlohmann::json result = read_result(files[1]);
    report::Comparison c;
    if (!report::compare_results(baseline, result, opt, c, error)) throw UsageError(error);
    fmt::print("baseline: {}\nresult:   {}\n\n{}", files[0], files[1], report::comparison_table(c, opt));
    return c.regression ? kExitRegression : 0;
}

}  // namespace sipstorm::cli
