#include "script/scenario_state.hpp"
#include "script/lua_util.hpp"

#include <lua.hpp>

#include "script/lua_call.hpp"
#include "script/lua_message.hpp"
#include "script/sandbox.hpp"

namespace sipstorm::script {

ScenarioState::ScenarioState() = default;
ScenarioState::~ScenarioState() = default;

bool ScenarioState::load(const ua::Program& program, CompileError& err) {
    hooks_.clear();
    sandbox_ = std::make_unique<Sandbox>(program.lua_dir);
    if (!sandbox_->run_file(program.file, err)) return false;
    lua_State* L = sandbox_->state();
    // The compiler has accepted this file, so only the hook functions are looked at here.
    if (lua_istable(L, -1)) {
        raw_field(L, -1, "steps");
        if (lua_istable(L, -1)) {
            const lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, -1));
            for (lua_Integer i = 1; i <= n; ++i) {
                lua_rawgeti(L, -1, i);
                if (lua_istable(L, -1)) {
                    raw_field(L, -1, "hook");
                    if (lua_isfunction(L, -1)) {
                        hooks_.push_back(luaL_ref(L, LUA_REGISTRYINDEX));
                    } else {
                        lua_pop(L, 1);
                    }
                }
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (hooks_.size() != static_cast<size_t>(program.hook_count)) {
        err = {program.file, 0, "the scenario's hooks changed since it was compiled"};
        return false;
    }
    push_message_box(L);
    message_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
    push_call_box(L);
    call_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
    variables_ = &program.variables;
    return true;
}

bool ScenarioState::run_hook(int hook, const sip::MessageView* msg, std::string* error,
                             std::string_view* jump, ua::VarAccess* vars) {
    if (jump) *jump = {};
    if (!sandbox_ || hook < 0 || static_cast<size_t>(hook) >= hooks_.size()) {
        if (error) *error = "no hook " + std::to_string(hook);
        return false;
    }
    lua_State* L = sandbox_->state();
    lua_rawgeti(L, LUA_REGISTRYINDEX, hooks_[static_cast<size_t>(hook)]);
    lua_rawgeti(L, LUA_REGISTRYINDEX, message_ref_);
    set_message(L, -1, msg);
    if (msg == nullptr) {
        lua_pop(L, 1);
        lua_pushnil(L);
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, call_ref_);
    set_call(L, -1, vars, variables_);
    if (vars == nullptr) {
        lua_pop(L, 1);
        lua_pushnil(L);
    }
    CompileError e;
    bool ok = sandbox_->pcall(2, 1, kHookInstructionBudget, e);
    // Drop the views so a message or call kept in a Lua variable can't be read after the hook.
    lua_rawgeti(L, LUA_REGISTRYINDEX, message_ref_);
    set_message(L, -1, nullptr);
    lua_pop(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, call_ref_);
    set_call(L, -1, nullptr, nullptr);
    lua_pop(L, 1);
    if (!ok) {
        if (error) *error = to_string(e);
        return false;
    }
    bool refused = lua_isboolean(L, -1) && !lua_toboolean(L, -1);
    if (jump && lua_type(L, -1) == LUA_TSTRING) {
        jump_.assign(lua_tostring(L, -1));  // reuses its capacity: no allocation once warm
        *jump = jump_;
    }
    lua_pop(L, 1);
    if (refused && error) *error = "hook " + std::to_string(hook) + " returned false";
    return !refused;
}

}  // namespace sipstorm::script
