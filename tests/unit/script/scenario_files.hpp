// Test helpers: scenario files written to a temp directory and compiled with the repo's lua/ modules.
#pragma once
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "script/scenario_compiler.hpp"

namespace sipstorm::script::testing {

inline const std::string kSourceDir = SIPSTORM_SOURCE_DIR;

// Writes `text` to <tmp>/<name> and returns the path.
inline std::string write_scenario(const std::string& name, const std::string& text) {
    std::string path = ::testing::TempDir() + name;
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
