// A shard's own Lua side of a compiled scenario: the file re-run in a private sandboxed lua_State,
// and its hook functions kept (registry references) in step order, so Step::hook indexes them.
// Not thread-safe: one per shard, used only by that shard's thread.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "script/compile_error.hpp"
#include "sip/message.hpp"
#include "ua/program.hpp"
#include "ua/var_ops.hpp"

namespace sipstorm::script {

class Sandbox;

class ScenarioState {
  public:
    ScenarioState();
    ~ScenarioState();
    ScenarioState(const ScenarioState&) = delete;
    ScenarioState& operator=(const ScenarioState&) = delete;

    // Re-runs program.file (with program.lua_dir) and collects its hooks; fails if they no longer
    // match the program's (the file changed since it was compiled).
    bool load(const ua::Program& program, CompileError& err);

    // Runs hook number `hook` with `msg` (nil in Lua when nullptr, e.g. after a send or pause) and the
    // call (its variables through `vars`, see lua_call.hpp; nil when nullptr).
    // False with "file:line: message" in *error if the hook raised an error or returned false.
    // A hook that returns a string names the label to go to next: *jump views it (until the next call).
    bool run_hook(int hook, const sip::MessageView* msg, std::string* error, std::string_view* jump = nullptr,
                  ua::VarAccess* vars = nullptr);

    size_t hook_count() const { return hooks_.size(); }

  private:
    std::unique_ptr<Sandbox> sandbox_;
    std::vector<int> hooks_;                               // registry references
    int message_ref_ = -1;                                 // the reused msg userdata
    int call_ref_ = -1;                                    // the reused call userdata
    const std::vector<std::string>* variables_ = nullptr;  // the program's, for call.vars
    std::string jump_;
};

}  // namespace sipstorm::script
