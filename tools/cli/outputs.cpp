#include "outputs.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "report/csv.hpp"
#include "report/file.hpp"
#include "report/junit.hpp"

namespace sipstorm::cli {

namespace po = boost::program_options;

void add_output_options(po::options_description& d, OutputOptions& o) {
    // clang-format off: one option a line reads better than the packed form
    d.add_options()(
        "gate", po::value(&o.gates)->composing(),
        "a condition the run must meet (repeatable), e.g. 'failed_calls == 0', 'p99(setup_ms) < 50', "
        "'achieved_cps >= 0.99 * target_cps'; exit code 4 when one fails (see tools/RESULT_SCHEMA.md "
        "for the metrics)")("csv", po::value(&o.csv), "write the per-second series as CSV here")(
        "junit", po::value(&o.junit), "write the verdict (gates, or failed calls) as JUnit XML here");
    // clang-format on
}

namespace {

// The directory of `path` must exist and be writable; the file itself is written at the end.
void check_writable(const std::string& path, const char* option) {
    if (path.empty()) return;
    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    if (access(dir.c_str(), W_OK) != 0)
        throw UsageError(fmt::format("--{}: cannot create '{}': directory '{}' is missing or not writable",
                                     option, path, dir));
}

}  // namespace

// Reads a result file or throws UsageError with one line naming the file and the trouble.
bool parse_file_command(const Args& args, const boost::program_options::options_description& d,
                        const char* usage, int max_files, std::vector<std::string>& files,
                        boost::program_options::variables_map& vm) {
    namespace po = boost::program_options;
    po::options_description all;
    all.add(d);
    all.add_options()("file", po::value(&files)->composing());
    po::positional_options_description pos;
    pos.add("file", max_files);
    try {
        po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
        if (vm.count("help")) {
            std::ostringstream os;
            os << d;
            fmt::print("{}\n\n{}", usage, os.str());
            return false;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    return true;
}

nlohmann::json read_result(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw UsageError(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
    std::stringstream text;
    text << f.rdbuf();
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::parse_error& e) {
        // "[json.exception.parse_error.101] parse error at line 3, column 5: ...": keep what follows
        // the tag, which says where.
        std::string why = e.what();
        if (size_t p = why.find("] "); why.starts_with("[json.exception") && p != std::string::npos)
            why = why.substr(p + 2);
        throw UsageError(fmt::format("'{}' is not valid JSON: {}", path, why));
    }
    if (!j.is_object() || !j.contains("calls") || !j["calls"].is_object())
        throw UsageError(
            fmt::format("'{}' is not a sipstorm result file (no \"calls\"; write one with 'sipstorm "
                        "run --out')",
                        path));
    return j;
}

std::vector<report::Gate> parse_gates_or_throw(const OutputOptions& o) {
    std::vector<report::Gate> gates;
    std::string error;
    if (!report::parse_gates(o.gates, gates, error)) throw UsageError("--" + error);
    check_writable(o.csv, "csv");
    check_writable(o.junit, "junit");
    return gates;
}

void add_scenario_gates(const std::vector<std::string>& exprs, const std::string& file,
                        std::vector<report::Gate>& gates) {
    std::vector<report::Gate> more;
    std::string error;
    if (!report::parse_gates(exprs, more, error)) throw UsageError(file + ": gates: " + error);
    for (auto& g : more) gates.push_back(std::move(g));
}

int finish_outputs(nlohmann::json& result, const OutputOptions& o, const std::vector<report::Gate>& gates,
                   int exit_code) {
    std::vector<report::GateResult> verdicts = report::evaluate_all(gates, result);
    report::add_gate_verdicts(result, verdicts);
    if (!verdicts.empty()) fmt::print("{}", report::verdict_table(verdicts));

    bool io_failed = false;
    auto write = [&](const std::string& path, const std::string& text, const char* what) {
        if (path.empty()) return;
        std::string error;
        if (report::write_file(path, text, error)) {
            fmt::print("{} written to {}\n", what, path);
        } else {
            fmt::print(stderr, "sipstorm: {}\n", error);
            io_failed = true;
        }
    };
    write(o.csv, report::series_csv(result), "per-second CSV");
    write(o.junit, report::junit_xml(result, verdicts), "JUnit report");
    std::fflush(stdout);

    if (io_failed) return 2;
    if (gates.empty()) return exit_code;
    for (const report::GateResult& v : verdicts)
        if (!v.pass) return kExitGateFailed;
    return 0;
}

}  // namespace sipstorm::cli
