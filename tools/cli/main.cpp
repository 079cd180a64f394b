// sipstorm: the command-line entry point. Dispatches to a sub-command and turns exceptions into a
// one-line message and exit code 2.
#include <fmt/core.h>

#include <cstring>
#include <exception>

#include "commands.hpp"
#include "report_html.hpp"

namespace {

constexpr const char* kUsage = R"(sipstorm - a high-throughput SIP load generator and conformance tester

Usage:
  sipstorm run SCENARIO.lua [options]       run a scenario as UAC against --target (default: a built-in UAS)
  sipstorm serve SCENARIO.lua [options]     answer as UAS, e.g. scenarios/answer.lua
                                            (SCENARIO.xml: a SIPp XML scenario, for either)
  sipstorm compare BASE.json RESULT.json    judge a result against a baseline (exit 3: a regression)
  sipstorm merge A.json B.json -o ALL.json  merge the results of the shards of one run (--shard-of)
  sipstorm conform --target HOST:PORT --role uas|proxy|registrar|uac
                                            judge a live SIP element against RFC 3261 behaviours
  sipstorm lint FILE...                     parse SIP messages and print a verdict for each
  sipstorm bench parse FILE...              measure parser throughput on your own messages
  sipstorm report RESULT.json [-o FILE]     a self-contained HTML page with plots of a result file
  sipstorm import SCENARIO.xml [-o F.lua]   a SIPp XML scenario as the equivalent Lua scenario
  sipstorm sipp [SIPp options] HOST:PORT    SIPp's command line (-sn uac -r 100 -m 500 -trace_stat ...)
  sipstorm scenarios                        list the ready scenarios (a bare NAME.lua finds them anywhere)
  sipstorm version

Run 'sipstorm COMMAND --help' for the options of a command.
)";

}  // namespace

int main(int argc, char** argv) {
    using namespace sipstorm::cli;
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
        !std::strcmp(argv[1], "help")) {
        fmt::print("{}", kUsage);
        return argc < 2 ? 2 : 0;
    }
    std::string cmd = argv[1];
    Args args(argv + 2, argv + argc);
    try {
        if (cmd == "lint") return cmd_lint(args);
        if (cmd == "bench") return cmd_bench(args);
        if (cmd == "run") return cmd_run(args);
        if (cmd == "serve") return cmd_serve(args);
        if (cmd == "compare") return cmd_compare(args);
        if (cmd == "merge") return cmd_merge(args);
        if (cmd == "scenarios") return cmd_scenarios(args);
        if (cmd == "conform") return cmd_conform(args);
        if (cmd == "report") return cmd_report(args);
        if (cmd == "import") return cmd_import(args);
        if (cmd == "sipp") return cmd_sipp(args);
        if (cmd == "version" || cmd == "--version") {
            fmt::print("sipstorm {}\n", SIPSTORM_VERSION);
            return 0;
        }
        fmt::print(stderr, "sipstorm: unknown command '{}' (see 'sipstorm --help')\n", cmd);
        return 2;
    } catch (const UsageError& e) {
        fmt::print(stderr, "sipstorm {}: {}\n", cmd, e.what());
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "sipstorm {}: error: {}\n", cmd, e.what());
        return 2;
    }
}
