#include <gtest/gtest.h>

#include <string>

#include "scenario_files.hpp"

namespace sipstorm::script {
namespace {

using testing::compile_error;

std::string path_of(const std::string& name) {
    return testing::scenario_dir() + name;
}

TEST(Sandbox, OsAndIoAreUnreachable) {
    EXPECT_EQ(compile_error("os.lua", "\nos.exit(1)\n"),
              path_of("os.lua") +
                  ":2: os.exit is not available: scenarios and hooks run sandboxed (base, string, table and "
                  "math only)");
    EXPECT_EQ(compile_error("io.lua", "local f = io.open('/etc/passwd')\n"),
              path_of("io.lua") +
                  ":1: io.open is not available: scenarios and hooks run sandboxed (base, string, table and "
                  "math only)");
    EXPECT_EQ(compile_error("pkg.lua", "package.loadlib('x', 'y')\n"),
              path_of("pkg.lua") +
                  ":1: package.loadlib is not available: scenarios and hooks run sandboxed (base, "
                  "string, table and math only)");
    EXPECT_EQ(compile_error("debug.lua", "debug.getinfo(1)\n"),
              path_of("debug.lua") +
                  ":1: debug.getinfo is not available: scenarios and hooks run sandboxed (base, "
                  "string, table and math only)");
}

TEST(Sandbox, NoCodeLoaders) {
    EXPECT_EQ(compile_error("dofile.lua", "dofile('/etc/passwd')\n"),
              path_of("dofile.lua") + ":1: attempt to call a nil value (global 'dofile')");
    EXPECT_EQ(compile_error("loadfile.lua", "loadfile('/etc/passwd')\n"),
              path_of("loadfile.lua") + ":1: attempt to call a nil value (global 'loadfile')");
    EXPECT_EQ(compile_error("load.lua", "load('return 1')\n"),
              path_of("load.lua") + ":1: attempt to call a nil value (global 'load')");
    EXPECT_EQ(compile_error("dump.lua", "string.dump(print)\n"),
              path_of("dump.lua") + ":1: attempt to call a nil value (field 'dump')");
}

TEST(Sandbox, RequireOnlyFromLuaDir) {
    EXPECT_EQ(compile_error("req.lua", "require 'os'\n"),
              path_of("req.lua") + ":1: module 'os' not found: require only loads modules from " +
                  testing::kSourceDir + "/lua");
    EXPECT_EQ(compile_error("req2.lua", "require '../etc/passwd'\n"),
              path_of("req2.lua") + ":1: require: bad module name '../etc/passwd'");
    // Loaded once, like the standard require.
    EXPECT_EQ(compile_error("req3.lua", "assert(require 'sipstorm' == require 'sipstorm')\nerror('ok')\n"),
              path_of("req3.lua") + ":2: ok");
}

TEST(Sandbox, BaseStringTableMathWork) {
    EXPECT_EQ(compile_error("libs.lua",
                            "local t = { string.format('%d', math.max(1, 2)), ('x'):rep(2) }\n"
                            "error(table.concat(t, ',') .. ' ' .. tostring(select('#', pcall(error))))\n"),
              path_of("libs.lua") + ":2: 2,xx 2");
}

// The returned table is read outside any pcall: metamethods must not run there (an error would abort).
TEST(Sandbox, MetamethodsAreNotRunWhileCompiling) {
    EXPECT_EQ(
        compile_error("meta.lua", "return setmetatable({}, { __index = function() error('boom') end })\n"),
        path_of("meta.lua") + ": missing role (\"uac\" to place calls or \"uas\" to answer them)");
    EXPECT_EQ(
        compile_error("meta2.lua",
                      "local step = setmetatable({}, { __index = function() error('boom') end })\n"
                      "return { role = 'uas', steps = { step } }\n"),
        path_of("meta2.lua") +
            ":2: step 1: a step needs one of send, recv, pause, jump, fail, rtp or dtmf (or a label alone)");
    EXPECT_EQ(compile_error("obj.lua", "error({})\n"),
              path_of("obj.lua") + ":1: (error object is a table value)");
}

TEST(Sandbox, EndlessLoopIsStopped) {
    EXPECT_EQ(compile_error("loop.lua", "\nwhile true do end\n"),
              path_of("loop.lua") + ":2: instruction limit exceeded (an endless loop?)");
}

TEST(Sandbox, MemoryIsCapped) {
    std::string err =
        compile_error("memory.lua", "local t = {}\nfor i = 1, 1e9 do t[i] = ('x'):rep(100000) .. i end\n");
    EXPECT_NE(err.find("not enough memory"), std::string::npos) << err;
}

}  // namespace
}  // namespace sipstorm::script
