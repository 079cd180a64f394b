#include "data_dir.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "script/scenario_compiler.hpp"

namespace sipstorm::cli {

namespace fs = std::filesystem;

std::string data_dir() {
    if (const char* env = std::getenv("SIPSTORM_DATA_DIR"); env && *env) return env;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path installed = exe.parent_path().parent_path() / "share" / "sipstorm";
        if (fs::is_directory(installed / "scenarios", ec)) return installed.string();
    }
    return SIPSTORM_SOURCE_DIR;
}

std::string resolve_scenario(const std::string& name) {
    if (name.empty() || access(name.c_str(), R_OK) == 0 || name.find('/') != std::string::npos) return name;
    const fs::path dir = fs::path(data_dir()) / "scenarios";
    for (const std::string& candidate : {name, name + ".lua"}) {
        const fs::path p = dir / candidate;
        if (access(p.c_str(), R_OK) == 0) return p.string();
    }
    return name;
}

std::string lua_dirs_for(const std::string& scenario) {
    const std::string own = script::default_lua_dir(scenario);
    const std::string installed = (fs::path(data_dir()) / "lua").lexically_normal().string();
    return own == installed ? own : own + ";" + installed;
}

std::vector<std::string> ready_scenarios() {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::path(data_dir()) / "scenarios", ec))
        if (e.path().extension() == ".lua") names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace sipstorm::cli
