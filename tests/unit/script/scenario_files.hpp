// Test helpers: scenario files written to a temp directory and compiled with the repo's lua/ modules.
#pragma once
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "script/scenario_compiler.hpp"

namespace sipstorm::script::testing {

inline const std::string kSourceDir = SIPSTORM_SOURCE_DIR;

// A folder of this test process's own: ctest runs each test as its own process, in parallel, and
// two tests writing the same file name in one shared folder would read each other's scenario.
inline const std::string& scenario_dir() {
    static const std::string dir = [] {
        std::string d = ::testing::TempDir() + "sipstorm_script_" + std::to_string(::getpid()) + "/";
        std::filesystem::create_directories(d);
        return d;
    }();
    return dir;
}

// Writes `text` to <scenario_dir>/<name> and returns the path.
inline std::string write_scenario(const std::string& name, const std::string& text) {
    std::string path = scenario_dir() + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

inline bool compile(const std::string& path, ua::Program& out, CompileError& err,
                    const std::map<std::string, std::string>& params = {}) {
    CompileOptions options;
    options.lua_dir = kSourceDir + "/lua";
    return compile_scenario(path, params, options, out, err);
}

// The "file:line: message" of compiling `text`, or "" if it compiled.
inline std::string compile_error(const std::string& name, const std::string& text,
                                 const std::map<std::string, std::string>& params = {}) {
    ua::Program p;
    CompileError err;
    if (compile(write_scenario(name, text), p, err, params)) return "";
    return to_string(err);
}

}  // namespace sipstorm::script::testing
