// sipstorm scenarios: the ready scenarios that a bare name on run/serve finds (data_dir.hpp).
#include <fmt/core.h>

#include <fstream>

#include "commands.hpp"
#include "data_dir.hpp"

namespace sipstorm::cli {

int cmd_scenarios(const Args& args) {
    const bool names_only = !args.empty() && args[0] == "--names";
    if (!args.empty() && !names_only) {
        if (args[0] == "--help" || args[0] == "-h") {
            fmt::print(
                "Usage: sipstorm scenarios [--names]\n\n"
                "Lists the ready scenarios, which 'sipstorm run NAME.lua' and 'sipstorm serve NAME.lua' "
                "find\n"
                "from any directory, with the first line of each file's description. --names: the file\n"
                "names only (for shell completion). They live in {}/scenarios ($SIPSTORM_DATA_DIR "
                "overrides).\n",
                data_dir());
            return 0;
        }
        throw UsageError("unknown argument '" + args[0] + "' (see --help)");
    }
    const std::string dir = data_dir() + "/scenarios";
    if (!names_only) fmt::print("ready scenarios in {}:\n", dir);
    for (const std::string& name : ready_scenarios()) {
        if (names_only) {
            fmt::print("{}\n", name);
            continue;
        }
        // The first comment line: "-- basic_call.lua: one basic call as a UAC, ..."
        std::ifstream f(dir + "/" + name);
        std::string line;
        std::getline(f, line);
        std::string what = line.starts_with("-- ") ? line.substr(3) : "";
        if (what.starts_with(name + ":")) what = what.substr(name.size() + 1);
        while (!what.empty() && what.front() == ' ') what.erase(0, 1);
        fmt::print("  {:<22} {}\n", name, what);
    }
    return 0;
}

}  // namespace sipstorm::cli
