// Sub-commands of the sipstorm CLI. Each takes the arguments after its own name and returns the
// process exit code; they may throw UsageError (exit 2) or std::exception (exit 2) at this boundary.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace sipstorm::cli {

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

using Args = std::vector<std::string>;

int cmd_lint(const Args& args);
int cmd_bench(const Args& args);
int cmd_run(const Args& args);
int cmd_serve(const Args& args);
int cmd_compare(const Args& args);
int cmd_import(const Args& args);  // SIPp XML -> Lua
int cmd_sipp(const Args& args);    // SIPp's command line
int cmd_merge(const Args& args);
int cmd_scenarios(const Args& args);
int cmd_conform(const Args& args);

}  // namespace sipstorm::cli
