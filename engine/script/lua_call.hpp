// The `call` a hook receives as its second argument, a userdata valid only while the hook runs:
//   call.vars.NAME          the call variable NAME (a capture, or declared in vars = {...}); nil when empty
//   call.vars.NAME = value  sets it (a string, number or boolean; nil empties it)
// A name the scenario does not know raises an error. One userdata per lua_State is reused.
#pragma once
#include <string>
#include <vector>

#include "ua/var_ops.hpp"

struct lua_State;

namespace sipstorm::script {

// Creates the userdata and leaves it on the stack.
void push_call_box(lua_State* L);

// Points the box at stack index `index` at a call's variables (nullptr: later access raises an error).
void set_call(lua_State* L, int index, ua::VarAccess* vars, const std::vector<std::string>* names);

}  // namespace sipstorm::script
