// A lua_State that scenario code can't escape: only the base, string, table and math libraries (no
// dofile/loadfile/load/string.dump), `os`, `io`, `debug` and `package` replaced by tables that raise a
// clear error on use, and a `require` that loads only <lua_dir>/<name>.lua (text chunks). Memory and
// instructions per call are capped so a runaway script fails instead of stalling a shard. Lua errors
// longjmp (liblua is C), so C functions registered here keep no C++ objects alive across Lua calls.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "script/compile_error.hpp"

struct lua_State;
struct lua_Debug;

namespace sipstorm::script {

// Budgets, in Lua VM instructions: loading a scenario may do real work, a hook should be quick.
inline constexpr uint64_t kLoadInstructionBudget = 50'000'000;
inline constexpr uint64_t kHookInstructionBudget = 5'000'000;

class Sandbox {
  public:
    // lua_dir: one directory, or several separated by ';' (searched in order: a scenario's own lua/
    // first, then the installed modules).
    explicit Sandbox(std::string lua_dir);
    ~Sandbox();
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    lua_State* state() const { return L_; }
    const std::string& lua_dir() const { return lua_dir_; }
    const std::vector<std::string>& lua_dirs() const { return dirs_; }

    // Loads and runs a file; on success its first result is on the stack top.
    bool run_file(const std::string& path, CompileError& err);

    // lua_pcall of the function below `nargs` arguments on the stack top, within `budget` instructions.
    // An error becomes file:line:message (the location Lua put in the message, or the innermost Lua frame).
    bool pcall(int nargs, int nresults, uint64_t budget, CompileError& err);

    // Called by require() so error locations in modules with long paths can be mapped back.
    void note_loaded(const std::string& path) { loaded_.push_back(path); }

  private:
    static void count_hook(lua_State* L, lua_Debug* ar);
    static void* allocate(void* ud, void* ptr, size_t old_size, size_t new_size);
    void install();
    CompileError locate(const std::string& message) const;

    lua_State* L_ = nullptr;
    std::string lua_dir_;
    std::vector<std::string> dirs_;  // lua_dir_ split at ';'
    std::vector<std::string> loaded_;
    uint64_t instructions_left_ = 0;
    size_t memory_used_ = 0;
    bool limit_memory_ = false;
};

}  // namespace sipstorm::script
