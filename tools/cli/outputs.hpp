// What `run` and `serve` make of a finished run besides the summary and the result file: gates
// (--gate, exit code 4 when one fails), the per-second CSV (--csv) and a JUnit report (--junit);
// and `sipstorm compare`, which judges a result against a baseline.
#pragma once
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.hpp"
#include "report/gate.hpp"

namespace sipstorm::cli {

// Exit codes beyond 0 (all good), 1 (some call failed, no gates) and 2 (usage, input or I/O error).
inline constexpr int kExitRegression = 3;  // compare: a metric got worse beyond the tolerance
inline constexpr int kExitGateFailed = 4;  // run/serve: some --gate did not hold

struct OutputOptions {
    std::vector<std::string> gates;  // --gate EXPR (repeatable)
    std::string csv, junit;          // paths; empty: not written
};

void add_output_options(boost::program_options::options_description& d, OutputOptions& o);

// Parses the gates, and checks that the --csv and --junit files can be created, before the run
// starts: a typo must not cost a ten-minute run. Throws UsageError ("--gate 'TEXT': column N: ...").
std::vector<report::Gate> parse_gates_or_throw(const OutputOptions& o);
// Adds a scenario's own `gates = {...}` to those of the command line; throws UsageError naming the file.
void add_scenario_gates(const std::vector<std::string>& exprs, const std::string& file,
                        std::vector<report::Gate>& gates);

// After the summary, before the result file is written: evaluates the gates and adds their verdicts
// to result["gates"] (an empty array without gates), prints the verdict table, writes the CSV and the
// JUnit report. Returns the exit code: with gates, 0 when all hold and kExitGateFailed when one
// fails (failed calls then count only through gates such as failed_calls == 0); without gates,
// `exit_code` unchanged; 2 when an output file can't be written (the message goes to stderr and
// the other outputs are still written).
int finish_outputs(nlohmann::json& result, const OutputOptions& o, const std::vector<report::Gate>& gates,
                   int exit_code);

// Reads a result file (sipstorm run --out) or throws UsageError with one line naming the file and
// the trouble (unreadable, not JSON, not a result file).
nlohmann::json read_result(const std::string& path);

// Parses a command of `d`'s options and up to `max_files` result files (-1: any number) into
// `files`; prints the usage and the options and returns false for --help. Throws UsageError.
bool parse_file_command(const Args& args, const boost::program_options::options_description& d,
                        const char* usage, int max_files, std::vector<std::string>& files,
                        boost::program_options::variables_map& vm);

// sipstorm compare BASELINE.json RESULT.json [--tolerance 5%] [--abs-tolerance N] [--metric M]...
// 0: no regression; kExitRegression: some; 2: usage or input error.
int cmd_compare(const Args& args);

}  // namespace sipstorm::cli
